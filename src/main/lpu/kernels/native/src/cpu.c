// Run-time CPU feature detection: what the CPU implements and the OS has enabled (XCR0), so a path is chosen only
// when both hold. AMX tile state must also be requested from Linux (arch_prctl) before first use.
#include <string.h>
#include "cpu.h"
#if defined(__x86_64__)
#include <cpuid.h>
#include <sys/syscall.h>
#include <unistd.h>

static uint64_t xgetbv0(void) {
  uint32_t lo, hi;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  return ((uint64_t)hi << 32) | lo;
}

#define ARCH_REQ_XCOMP_PERM 0x1023
#define XFEATURE_XTILEDATA 18

void lk_detect_cpu(lk_cpu *cpu) {
  memset(cpu, 0, sizeof *cpu);
  unsigned a, b, c, d;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return;
  const int osxsave = (c >> 27) & 1, fma = (c >> 12) & 1, f16c = (c >> 29) & 1, avx = (c >> 28) & 1;
  const uint64_t xcr0 = osxsave ? xgetbv0() : 0;
  const int osAvx = (xcr0 & 0x6) == 0x6, osAvx512 = (xcr0 & 0xe6) == 0xe6;
  unsigned b7 = 0, c7 = 0, d7 = 0, a71 = 0;
  if (__get_cpuid_max(0, 0) >= 7) {
    __cpuid_count(7, 0, a, b7, c7, d7);
    __cpuid_count(7, 1, a71, b, c, d);
  }
  cpu->avx2 = osAvx && avx && ((b7 >> 5) & 1);
  cpu->fma = osAvx && fma;
  cpu->f16c = osAvx && f16c;
  cpu->avx_vnni = osAvx && ((a71 >> 4) & 1);
  cpu->avx512f = osAvx512 && ((b7 >> 16) & 1);
  cpu->avx512bw = osAvx512 && ((b7 >> 30) & 1);
  cpu->avx512vl = osAvx512 && ((b7 >> 31) & 1);
  cpu->avx512vnni = osAvx512 && ((c7 >> 11) & 1);
  cpu->avx512bf16 = osAvx512 && ((a71 >> 5) & 1);
  cpu->amx_int8 = ((d7 >> 25) & 1) && ((d7 >> 24) & 1);
  // Linux grants AMX tile data per process on request; without it the first tile instruction faults.
  cpu->amx_granted = cpu->amx_int8 && syscall(SYS_arch_prctl, ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA) == 0;
}
#elif defined(__aarch64__)
#include <sys/auxv.h>
#ifndef HWCAP_ASIMDDP
#define HWCAP_ASIMDDP (1 << 20)
#endif
#ifndef HWCAP2_I8MM
#define HWCAP2_I8MM (1 << 13)
#endif
void lk_detect_cpu(lk_cpu *cpu) {
  memset(cpu, 0, sizeof *cpu);
  cpu->neon = 1;
  cpu->dotprod = (getauxval(AT_HWCAP) & HWCAP_ASIMDDP) != 0;
  cpu->i8mm = (getauxval(AT_HWCAP2) & HWCAP2_I8MM) != 0;
}
#else
void lk_detect_cpu(lk_cpu *cpu) { memset(cpu, 0, sizeof *cpu); }
#endif
