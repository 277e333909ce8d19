/* SPDX-License-Identifier: GPL-2.0-or-later
 * server.h - the supervisor's side of libb4ns.so: the request server (it
 * registers itself, see common/reqsrv.h), and where the library is
 */
#ifndef B4NS_PRELOAD_SERVER_H
#define B4NS_PRELOAD_SERVER_H

#include <stdbool.h>

#include <stddef.h>

#endif /* B4NS_PRELOAD_SERVER_H */
