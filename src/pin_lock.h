/* SPDX-License-Identifier: BSD-3-Clause */
/* pin_lock.h - one daemon per pin folder. Two `pktlens run --pin DIR` on
 * the same maps would read the same ring buffer and flow table and write
 * every record and detection twice; the daemon holds an flock on DIR itself
 * (bpffs folders take one like any other), released when it exits however
 * it exits. */
#ifndef PL_PIN_LOCK_H
#define PL_PIN_LOCK_H
#include <stddef.h>

/* Locks folder DIR for this process: returns the descriptor holding the
 * lock (close it to release), or -1 with ERR naming the pid that holds it
 * (from /proc/locks) or why not. */
int pl_pin_lock(const char *dir, char *err, size_t errlen);

#endif
