// 16-lane vector types (GCC vector extensions) shared by the paths that include common.inc.
#ifndef LK_VEC_H
#define LK_VEC_H
#include "kernels.h"
typedef float v16f __attribute__((vector_size(64)));
typedef int32_t v16i __attribute__((vector_size(64)));
typedef int32_t v8i __attribute__((vector_size(32)));
typedef float v16f_u __attribute__((vector_size(64), aligned(4), may_alias));
#endif
