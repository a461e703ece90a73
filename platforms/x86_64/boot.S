/*
 * PVH entry: the monitor jumps here in 32-bit protected mode with paging off and %ebx
 * pointing at struct hvm_start_info. We build boot page tables, enter long mode and jump
 * to the library OS in the top 2 GiB.
 *
 * Boot page tables (all replaced by the final tables in uk::arch::initPaging):
 *   PML4[0]   -> identity map of the first 4 GiB (2 MiB pages), so this code keeps running
 *   PML4[256] -> the same 4 GiB at the direct-map base (reach start info, memory map, RAM)
 *   PML4[511] -> PDPT[510..511]: the first 2 GiB at 0xffffffff80000000 (the kernel image)
 *
 * Everything in this file before uk_entry64 runs at its physical address, so it lives in
 * the .uk.boot.* sections that the linker script places at 1 MiB with VMA == LMA.
 */

#define KERNEL_BASE 0xffffffff80000000

/* ELF note that makes the image PVH-bootable (type 18, XEN_ELFNOTE_PHYS32_ENTRY). */
    .section .note.Xen, "a", @note
    .p2align 2
    .long 4
    .long 8
    .long 18
    .asciz "Xen"
    .p2align 2
    .quad uk_pvh_entry
    .p2align 2

    .section .uk.boot.text, "ax", @progbits
    .code32
    .globl uk_pvh_entry
    .type uk_pvh_entry, @function
uk_pvh_entry:
    cli
    cld
    mov %ebx, %esi                      /* hvm_start_info*, kept in %esi throughout */

    /* Long mode is not optional: say so on COM1 and stop. */
    mov $0x80000000, %eax
    cpuid
    cmp $0x80000001, %eax
    jb no_long_mode
    mov $0x80000001, %eax
    cpuid
    test $(1 << 29), %edx
    jz no_long_mode

    /* Zero the boot page tables (7 pages). */
    mov $boot_page_tables, %edi
    mov $(7 * 4096 / 4), %ecx
    xor %eax, %eax
    rep stosl

    /* boot_pd: 2048 entries of 2 MiB covering 0..4 GiB, present|writable|large. */
    mov $boot_pd, %edi
    mov $0x83, %eax
    mov $2048, %ecx
1:  mov %eax, (%edi)
    movl $0, 4(%edi)
    add $0x200000, %eax
    add $8, %edi
    loop 1b

    /* boot_pdpt_low[0..3] -> the four page directories. */
    mov $boot_pdpt_low, %edi
    mov $(boot_pd + 0x3), %eax
    mov %eax, 0(%edi)
    add $4096, %eax
    mov %eax, 8(%edi)
    add $4096, %eax
    mov %eax, 16(%edi)
    add $4096, %eax
    mov %eax, 24(%edi)

    /* boot_pdpt_high[510..511] -> the first two page directories (0..2 GiB). */
    mov $boot_pdpt_high, %edi
    mov $(boot_pd + 0x3), %eax
    mov %eax, (510 * 8)(%edi)
    add $4096, %eax
    mov %eax, (511 * 8)(%edi)

    mov $boot_pml4, %edi
    mov $(boot_pdpt_low + 0x3), %eax
    mov %eax, (0 * 8)(%edi)
    mov %eax, (256 * 8)(%edi)
    mov $(boot_pdpt_high + 0x3), %eax
    mov %eax, (511 * 8)(%edi)

    /* CR4.PAE, CR3, EFER.LME|NXE, then CR0.PG|WP|PE. */
    mov %cr4, %eax
    or $(1 << 5), %eax
    mov %eax, %cr4
    mov $boot_pml4, %eax
    mov %eax, %cr3
    mov $0xc0000080, %ecx
    rdmsr
    or $((1 << 8) | (1 << 11)), %eax
    wrmsr
    mov %cr0, %eax
    or $((1 << 31) | (1 << 16) | 1), %eax
    mov %eax, %cr0

    lgdt boot_gdt_ptr
    ljmp $0x08, $boot_long_mode

no_long_mode:
    mov $no_long_mode_msg, %esi
2:  lodsb
    test %al, %al
    jz 3f
    mov $0x3f8, %dx
    outb %al, %dx
    jmp 2b
3:  mov $0xf4, %dx                      /* isa-debug-exit with status 125 if present */
    mov $125, %al
    outb %al, %dx
4:  hlt
    jmp 4b

    .code64
boot_long_mode:
    mov $0x10, %eax
    mov %eax, %ds
    mov %eax, %es
    mov %eax, %ss
    xor %eax, %eax
    mov %eax, %fs
    mov %eax, %gs

    /* A compressed image (uk build --strip): unpack the library OS and the application to
       their places first (boot_unpack.cpp), on a stack of the boot section's own. */
    mov (uk_boot_payload + 8), %rdi
    test %rdi, %rdi
    jz 5f
    mov $boot_unpack_stack_top, %esp
    mov %rsi, %rbx                      /* the start info pointer survives the call */
    call uk_boot_unpack
    mov %rbx, %rsi
    test %eax, %eax
    jz 5f
    mov $corrupt_payload_msg, %esi       /* say so on COM1, exit 125 */
6:  lodsb
    test %al, %al
    jz 7f
    mov $0x3f8, %dx
    outb %al, %dx
    jmp 6b
7:  mov $0xf4, %dx
    mov $125, %al
    outb %al, %dx
8:  hlt
    jmp 8b
5:  movabs $uk_entry64, %rax
    jmp *%rax

    .section .uk.boot.data, "aw", @progbits
    .p2align 3
boot_gdt:
    .quad 0
    .quad 0x00af9a000000ffff            /* 0x08: 64-bit code, ring 0 */
    .quad 0x00cf92000000ffff            /* 0x10: data, ring 0 */
boot_gdt_end:
boot_gdt_ptr:
    .word boot_gdt_end - boot_gdt - 1
    .long boot_gdt
no_long_mode_msg:
    .asciz "uk: this CPU has no 64-bit long mode; uk images need x86_64\n"
corrupt_payload_msg:
    .asciz "uk: this compressed image is corrupt (its payload does not unpack)\n"

    /* Where a compressed image's payload is (see uk/image_format.h, BootPayloadLink). */
    .section .uk.boot.payload, "aw", @progbits
    .p2align 3
    .globl uk_boot_payload
    .hidden uk_boot_payload
uk_boot_payload:
    .quad 0x314b4e494c4b55              /* kBootPayloadLinkMagic */
    .quad 0                             /* physical address, set by the compressor */

    .section .uk.boot.bss, "aw", @nobits
    .p2align 12
boot_page_tables:
boot_pml4:       .skip 4096
boot_pdpt_low:   .skip 4096
boot_pdpt_high:  .skip 4096
boot_pd:         .skip 4 * 4096
    .p2align 4
boot_unpack_stack: .skip 4096
boot_unpack_stack_top:

/* From here on we run at the kernel's high virtual addresses. */
    .text
    .type uk_entry64, @function
uk_entry64:
    /* Zero the kernel's .bss before anything uses it (the boot stack lives there). */
    lea __uk_kbss_start(%rip), %rdi
    lea __uk_kbss_end(%rip), %rcx
    sub %rdi, %rcx
    shr $3, %rcx
    xor %eax, %eax
    rep stosq
    lea uk_boot_stack_top(%rip), %rsp
    xor %ebp, %ebp
    mov %esi, %edi                      /* zero-extends: physical address of start info */
    call uk_boot_main
    ud2

    .bss
    .p2align 12
    .globl uk_boot_stack_bottom
    .hidden uk_boot_stack_bottom
uk_boot_stack_bottom:
    .skip 16384
uk_boot_stack_top:
