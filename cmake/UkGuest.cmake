# Compile flags for code that runs inside the unikernel as part of the library OS.
#
# - freestanding, no host headers: only clang's own (stddef.h, stdint.h, ...) and ours;
# - kernel code model: the library OS is linked in the top 2 GiB of the address space,
#   leaving the lower half to the application (see docs/architecture.md);
# - no SSE/x87: a system call must preserve the application's vector registers, and
#   interrupt handlers do not save them;
# - no red zone: interrupt stubs may run on the kernel stack later (preemption);
# - frame pointers everywhere, so fault backtraces work without unwind tables;
# - hidden visibility: libos.o is prelinked and its symbols localized, so the library OS
#   never binds to (or clashes with) the application's libc.
set(UK_GUEST_COMPILE_OPTIONS
  --target=x86_64-unknown-none-elf
  -ffreestanding -nostdinc -isystem ${UK_CLANG_RESOURCE_DIR}/include
  -mcmodel=kernel -mno-red-zone
  -mno-sse -mno-sse2 -mno-mmx -mno-80387 -mno-avx
  -fno-pic -fno-pie -fno-stack-protector -fno-omit-frame-pointer
  -ffunction-sections -fdata-sections -fvisibility=hidden
  -fno-asynchronous-unwind-tables -fno-unwind-tables
  -gline-tables-only -Os
  $<$<COMPILE_LANGUAGE:CXX>:-fno-exceptions -fno-rtti -fno-threadsafe-statics -fno-use-cxa-atexit -Wglobal-constructors -Wexit-time-destructors>
  -DUK_GUEST=1)

function(uk_guest_target target)
  target_compile_options(${target} PRIVATE ${UK_GUEST_COMPILE_OPTIONS})
  # Host build types add -O/-g flags of their own; the guest flags above decide.
  set_target_properties(${target} PROPERTIES INTERPROCEDURAL_OPTIMIZATION OFF)
  uk_project_warnings(${target})
endfunction()
