#ifndef LK_CPU_H
#define LK_CPU_H
#include <stdint.h>
typedef struct {
  int avx2, fma, f16c, avx_vnni, avx512f, avx512bw, avx512vl, avx512vnni, avx512bf16, amx_int8, amx_granted;
  int neon, dotprod, i8mm;
} lk_cpu;
void lk_detect_cpu(lk_cpu *cpu);
#endif
