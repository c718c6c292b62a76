/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PL_NAMES_H
#define PL_NAMES_H
#include "pl_reasons.h"
const char *pl_malformed_name(unsigned reason);
#endif
