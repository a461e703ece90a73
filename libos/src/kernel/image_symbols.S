/*
 * Addresses the library OS needs from the application's half of the image. The library OS
 * is compiled for the kernel code model, where a symbol in the lower half cannot be reached
 * with a 32-bit RIP-relative reference; 64-bit words here can hold any address.
 * Order: struct ImageSymbols in kernel/memory.cpp.
 */
    .section .rodata.uk_image_symbols, "a"
    .p2align 3
    .globl uk_image_symbols
    .hidden uk_image_symbols
uk_image_symbols:
    .quad __uk_image_phys_start
    .quad __uk_image_phys_end
    .quad __uk_app_phys_start
    .quad __uk_app_start
    .quad __uk_app_text_end
    .quad __uk_app_data_start
    .quad __uk_app_end
    .quad _start                /* the application's entry point; 0 when there is none */
    .weak _start
