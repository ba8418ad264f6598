{
  "targets": [
    {
      "target_name": "lockstep_kernels",
      "sources": ["src/addon.c", "src/cpu.c", "src/scalar.c", "src/blocks.c", "src/generic.c", "src/x86_avx2.c", "src/x86_avx512.c", "src/arm_neon.c"],
      "cflags": ["-O3", "-std=gnu11", "-ffp-contract=off", "-fno-math-errno", "-Wall", "-Wno-unused-function", "-Wno-psabi"],
      "cflags!": ["-O2", "-O0"],
      "xcode_settings": { "OTHER_CFLAGS": ["-O3", "-std=gnu11", "-ffp-contract=off"] }
    }
  ]
}
