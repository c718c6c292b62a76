/* SPDX-License-Identifier: BSD-3-Clause */
/* names.c - the malformed reasons' names, from the one list in pl_reasons.h. */
#include "names.h"

static const char *const names[] = {
#define PL_REASON_NAME(id, name, doc) [PL_MAL_##id] = name,
	PL_MALFORMED_REASONS(PL_REASON_NAME)
#undef PL_REASON_NAME
};

const char *pl_malformed_name(unsigned reason)
{
	return reason < PL_MAL__COUNT ? names[reason] : "unknown";
}

static const char *const texts[] = {
#define PL_REASON_TEXT(id, name, doc) [PL_MAL_##id] = doc,
	PL_MALFORMED_REASONS(PL_REASON_TEXT)
#undef PL_REASON_TEXT
};

const char *pl_malformed_text(unsigned reason)
{
	return reason < PL_MAL__COUNT ? texts[reason] : "unknown reason";
}
