// The system call scan over llvm-objdump's output: constants, register copies through
// loops, branch facts, wrappers and wrappers of wrappers; and every case it must refuse to
// guess (numbers from memory, a wrapper whose address escapes, jump tables, code entered
// from elsewhere).
#include <doctest/doctest.h>

#include <uk/toolchain/syscall_scan.h>

using uk::toolchain::reportSyscalls;
using uk::toolchain::scanSyscalls;

namespace {
std::set<int> numbers(std::initializer_list<int> n) {
    return std::set<int>(n);
}
} // namespace

TEST_CASE("syscall scan: a constant loaded right before the call") {
    auto r = scanSyscalls(R"(
0000000000400690 <_Exit>:
  400690:      	movslq	%edi, %rdi
  400693:      	movl	$231, %eax
  400698:      	syscall
  40069a:      	movl	$60, %edx
  40069f:      	nop
  4006a0:      	movq	%rdx, %rax
  4006a3:      	syscall
  4006a5:      	jmp	0x4006a0 <_Exit+0x10>
)");
    CHECK(r.complete);
    CHECK(r.sites == 2);
    CHECK(r.numbers == numbers({60, 231}));
}

TEST_CASE("syscall scan: a register set before a loop and copied inside it") {
    auto r = scanSyscalls(R"(
0000000000400a50 <__lockfile>:
  400a50:      	pushq	%rbx
  400a51:      	movl	$202, %ebx
  400a56:      	jmp	0x400a60 <__lockfile+0x10>
  400a58:      	nopl	(%rax)
  400a5c:      	movl	%ecx, %eax
  400a60:      	movq	%rbx, %rax
  400a63:      	syscall
  400a65:      	cmpq	$-38, %rax
  400a69:      	jne	0x400a5c <__lockfile+0xc>
  400a6b:      	popq	%rbx
  400a6c:      	retq
)");
    CHECK(r.complete);
    CHECK(r.numbers == numbers({202}));
}

TEST_CASE("syscall scan: the value a branch proves (test; je) and xor + movb") {
    auto r = scanSyscalls(R"(
00000000004430f0 <__stdio_read>:
  4430f0:      	movq	%rbp, %rax
  4430f3:      	adcq	$-1, %rax
  4430f7:      	testq	%rax, %rax
  4430fa:      	je	0x443110 <__stdio_read+0x20>
  4430fc:      	movl	$19, %eax
  443101:      	syscall
  443103:      	retq
  443110:      	syscall
  443112:      	retq
0000000000443200 <__clone>:
  443200:      	xorl	%eax, %eax
  443202:      	movb	$56, %al
  443204:      	syscall
  443206:      	retq
)");
    CHECK(r.complete);
    CHECK(r.numbers == numbers({0, 19, 56}));
}

TEST_CASE("syscall scan: wrappers and wrappers of wrappers, called and tail-called") {
    auto r = scanSyscalls(R"(
0000000000401000 <syscall>:
  401000:      	movq	%rdi, %rax
  401003:      	movq	%rsi, %rdi
  401006:      	syscall
  401008:      	retq
0000000000401010 <__syscall_cp>:
  401010:      	movq	%rsi, %r9
  401013:      	callq	0x401000 <syscall>
  401018:      	retq
0000000000401020 <close>:
  401020:      	movl	$3, %edi
  401025:      	jmp	0x401000 <syscall>
0000000000401030 <read>:
  401030:      	movl	%edi, %esi
  401032:      	xorl	%edi, %edi
  401034:      	callq	0x401010 <__syscall_cp>
  401039:      	retq
)");
    CHECK(r.complete);
    CHECK(r.wrappers == 2);
    CHECK(r.numbers == numbers({0, 3}));
}

TEST_CASE("syscall scan: refuses to guess") {
    SUBCASE("a number loaded from memory") {
        auto r = scanSyscalls(R"(
0000000000401000 <f>:
  401000:      	movq	8(%rdi), %rax
  401004:      	syscall
  401006:      	retq
)");
        CHECK_FALSE(r.complete);
        CHECK(r.unresolved.find("in f") != std::string::npos);
    }
    SUBCASE("a wrapper whose address is taken") {
        auto r = scanSyscalls(R"(
0000000000401000 <sys>:
  401000:      	movq	%rdi, %rax
  401003:      	syscall
  401005:      	retq
0000000000401010 <g>:
  401010:      	leaq	-23(%rip), %rax         # 0x401000 <sys>
  401017:      	retq
)");
        CHECK_FALSE(r.complete);
    }
    SUBCASE("a jump table in the function") {
        auto r = scanSyscalls(R"(
0000000000401000 <f>:
  401000:      	movl	$1, %eax
  401005:      	jmpq	*(%rdx)
  401008:      	syscall
  40100a:      	retq
)");
        CHECK_FALSE(r.complete);
    }
    SUBCASE("code entered from another function") {
        auto r = scanSyscalls(R"(
0000000000401000 <f>:
  401000:      	movl	$1, %eax
  401005:      	retq
  401006:      	syscall
  401008:      	retq
0000000000401010 <g>:
  401010:      	jmp	0x401006 <f+0x6>
)");
        CHECK_FALSE(r.complete);
    }
    SUBCASE("a number left in a callee-saved register by the caller") {
        auto r = scanSyscalls(R"(
0000000000401000 <f>:
  401000:      	movq	%rbx, %rax
  401003:      	syscall
  401005:      	retq
)");
        CHECK_FALSE(r.complete);
    }
}

TEST_CASE("syscall scan: the report names what uk does not implement") {
    auto r = scanSyscalls(R"(
0000000000401000 <f>:
  401000:      	movl	$246, %eax
  401005:      	syscall
  401007:      	movl	$1, %eax
  40100c:      	syscall
  40100e:      	retq
)");
    REQUIRE(r.complete);
    auto report = reportSyscalls(r);
    CHECK(report.warning.find("kexec_load (246)") != std::string::npos);
    CHECK(report.warning.find("write") == std::string::npos); // write is implemented
    CHECK(report.details.find("write kexec_load") != std::string::npos);
}
