/* Kernel stack switching and thread start-up; see uk/arch/context.h. */

    .text
/* void uk_context_switch(uint64_t* saveRsp, uint64_t newRsp) */
    .globl uk_context_switch
    .hidden uk_context_switch
uk_context_switch:
    push %rbp
    push %rbx
    push %r12
    push %r13
    push %r14
    push %r15
    mov %rsp, (%rdi)
    mov %rsi, %rsp
    pop %r15
    pop %r14
    pop %r13
    pop %r12
    pop %rbx
    pop %rbp
    ret

/* First switch-in of a new thread: %rsp points at its TrapFrame (initialContext). */
    .globl uk_thread_start
    .hidden uk_thread_start
uk_thread_start:
    /* The frame pointer is kept in %rbx (callee-saved): %rdi does not survive the call, and
       resuming from whatever it held afterwards ran on a wrong stack. %rsp is 16-byte
       aligned here (initialContext), so the call keeps the ABI's alignment. */
    mov %rsp, %rbx
    mov %rsp, %rdi
    call uk_thread_started
    mov %rbx, %rdi
    /* fall through */

/* [[noreturn]] void uk_resume_frame(TrapFrame* frame) */
    .globl uk_resume_frame
    .hidden uk_resume_frame
uk_resume_frame:
    mov %rdi, %rsp
    pop %r15
    pop %r14
    pop %r13
    pop %r12
    pop %r11
    pop %r10
    pop %r9
    pop %r8
    pop %rbp
    pop %rdi
    pop %rsi
    pop %rdx
    pop %rcx
    pop %rbx
    pop %rax
    add $16, %rsp                       /* vector and error code */
    iretq

/* [[noreturn]] void uk_resume_copy(const TrapFrame* src, TrapFrame* dst): copies the frame
   to `dst` (on the current kernel stack, above everything still in use) and resumes it. The
   copy is done here so no C frame lives below `dst` while it is written. */
    .globl uk_resume_copy
    .hidden uk_resume_copy
uk_resume_copy:
    mov %rsi, %rax
    mov $22, %ecx
    xchg %rdi, %rsi
    rep movsq
    mov %rax, %rdi
    jmp uk_resume_frame
