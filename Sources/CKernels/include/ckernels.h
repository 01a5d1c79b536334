// ckernels: vectorised element-wise kernels for the recurrent cells.
// No stable API: called only from CharLSTM.
#ifndef CKERNELS_H
#define CKERNELS_H
#include <stdint.h>

#endif
