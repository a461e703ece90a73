/*
 * Trap and system call entry.
 *
 * The application runs in ring 0 and uses the 128-byte red zone below %rsp, so nothing
 * here may push onto the interrupted stack:
 *   - every IDT vector uses an IST stack (the CPU switches stacks before pushing), and
 *   - `syscall` (which does not switch stacks) parks %rsp in memory, moves to the kernel
 *     stack, and returns with a plain jump instead of sysret.
 * See docs/architecture.md, "Red zone".
 */

/* struct TrapFrame (uk/arch/trap.h) is built by these pushes, lowest address first. */
.macro PUSH_GPRS
    push %rax
    push %rbx
    push %rcx
    push %rdx
    push %rsi
    push %rdi
    push %rbp
    push %r8
    push %r9
    push %r10
    push %r11
    push %r12
    push %r13
    push %r14
    push %r15
.endm

.macro POP_GPRS
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
.endm

    .text
trap_common:
    PUSH_GPRS
    mov %rsp, %rdi
    cld
    call uk_trap_dispatch               /* returns the frame to resume */
    cmp %rax, %rsp
    je 1f
    /* The library OS moved the frame to the thread's kernel stack to switch threads there;
       the IST stack is free again from here on. */
    mov %rax, %rsp
    mov %rax, %rdi
    call uk_trap_preempt
1:  POP_GPRS
    add $16, %rsp                       /* vector and error code */
    iretq

/* One 16-byte stub per vector at uk_trap_stubs + 16 * vector. Vectors 8, 10-14, 17, 21,
   29 and 30 get an error code from the CPU; the others push a zero in its place. */
    .p2align 4
    .globl uk_trap_stubs
    .hidden uk_trap_stubs
uk_trap_stubs:
    .set vec, 0
    .rept 256
    .p2align 4
    .if (vec == 8) || (vec >= 10 && vec <= 14) || (vec == 17) || (vec == 21) || (vec == 29) || (vec == 30)
    pushq $vec
    .else
    pushq $0
    pushq $vec
    .endif
    jmp trap_common
    .set vec, vec + 1
    .endr

/*
 * System call entry (LSTAR). On entry: %rcx = return address, %r11 = saved RFLAGS,
 * RFLAGS masked by FMASK (IF, TF, DF and AC clear), %rsp = the caller's stack.
 * struct SyscallFrame (uk/arch/trap.h) is built on the kernel stack.
 */
    .text
    .p2align 4
    .globl uk_syscall_entry
    .hidden uk_syscall_entry
uk_syscall_entry:
    mov %rsp, uk_syscall_scratch_rsp(%rip)
    mov uk_syscall_kernel_rsp(%rip), %rsp
    push uk_syscall_scratch_rsp(%rip)   /* rsp */
    push %r11                           /* rflags */
    push %rcx                           /* rip */
    push %rax                           /* number */
    push %r9
    push %r8
    push %r10
    push %rdx
    push %rsi
    push %rdi
    push %rbx
    push %rbp
    push %r12
    push %r13
    push %r14
    push %r15
    mov %rsp, %rdi
    call uk_syscall_dispatch            /* result in %rax */
    .globl uk_syscall_return
    .hidden uk_syscall_return
uk_syscall_return:
    pop %r15
    pop %r14
    pop %r13
    pop %r12
    pop %rbp
    pop %rbx
    pop %rdi
    pop %rsi
    pop %rdx
    pop %r10
    pop %r8
    pop %r9
    add $8, %rsp                        /* number */
    pop %rcx                            /* rip */
    pop %r11                            /* rflags */
    /* Restore RFLAGS while still on the kernel stack; from here an interrupt may arrive,
       but it lands on its IST stack and the words below stay intact. */
    push %r11
    popfq
    mov (%rsp), %rsp                    /* the caller's %rsp, in one instruction */
    jmp *%rcx

/*
 * [[noreturn]] void uk_enter_app(uint64_t entry, uint64_t stack)
 * Starts the application the way Linux starts a process: %rsp at argc, %rdx = 0 (no
 * atexit handler from the loader), other registers zero, interrupts enabled.
 */
    .globl uk_enter_app
    .hidden uk_enter_app
uk_enter_app:
    mov %rdi, %rcx
    mov %rsi, %rsp
    push $0x202
    popfq
    xor %eax, %eax
    xor %ebx, %ebx
    xor %edx, %edx
    xor %esi, %esi
    xor %edi, %edi
    xor %ebp, %ebp
    xor %r8d, %r8d
    xor %r9d, %r9d
    xor %r10d, %r10d
    xor %r11d, %r11d
    xor %r12d, %r12d
    xor %r13d, %r13d
    xor %r14d, %r14d
    xor %r15d, %r15d
    jmp *%rcx

    .bss
    .p2align 3
    .globl uk_syscall_kernel_rsp
    .hidden uk_syscall_kernel_rsp
uk_syscall_kernel_rsp:
    .quad 0
uk_syscall_scratch_rsp:
    .quad 0
