/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PL_NAMES_H
#define PL_NAMES_H
#include "pl_reasons.h"
const char *pl_malformed_name(unsigned reason);
/* One line saying what is wrong, for people. */
const char *pl_malformed_text(unsigned reason);
#endif
