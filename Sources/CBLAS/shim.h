// OpenBLAS's CBLAS interface (Debian: libopenblas-dev). No stable API of our own.
#include <cblas.h>
