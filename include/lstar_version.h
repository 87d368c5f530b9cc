/* SPDX-License-Identifier: MIT */
/* lstar's version: lstar --version, lstar-policy --version, the package. */
#ifndef LSTAR_VERSION_H
#define LSTAR_VERSION_H

#define LSTAR_VERSION "0.1.0"

#endif /* LSTAR_VERSION_H */
