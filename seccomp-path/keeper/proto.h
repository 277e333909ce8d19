/* SPDX-License-Identifier: GPL-2.0-or-later
 * proto.h - the keeper's wire format, shared by the keeper (keeper.c) and
 * the daemon's side of it (client.c)
 *
 * One SOCK_SEQPACKET connection per daemon: each packet is a struct
 * keeper_hdr, then @len bytes, with at most one descriptor in SCM_RIGHTS.
 */
#ifndef B4NS_KEEPER_PROTO_H
#define B4NS_KEEPER_PROTO_H

#include <stdint.h>

#define KEEPER_VERSION 1
#define KEEPER_BLOB_MAX ((size_t)64 * 1024)	/* one runtime message */
#define KEEPER_LEDGER_SLOTS 16384	/* notifications received, unanswered */
#define KEEPER_LEDGER_SIZE (KEEPER_LEDGER_SLOTS * sizeof(uint64_t))

/**
 * enum keeper_msg - packet types
 * @KEEPER_HELLO:	daemon -> keeper, first packet: take the fds over
 *			if no daemon holds them
 * @KEEPER_REPLACE:	daemon -> keeper, first packet: take them over, the
 *			daemon holding them is told KEEPER_STOP
 * @KEEPER_LISTEN:	daemon -> keeper: the listener socket (descriptor);
 *			keeper -> daemon at a handover
 * @KEEPER_FD:		daemon -> keeper: a notify fd (descriptor) and the
 *			runtime's message that came with it (payload);
 *			keeper -> daemon at a handover
 * @KEEPER_LEDGER:	keeper -> daemon: the ledger (memfd, descriptor)
 * @KEEPER_END:		keeper -> daemon: the handover is complete
 * @KEEPER_BUSY:	keeper -> daemon: another daemon holds the fds
 * @KEEPER_STOP:	keeper -> daemon: a new daemon replaces you: exit
 * @KEEPER_QUIT:	daemon -> keeper: the daemon stops for good: exit
 */
enum keeper_msg {
	KEEPER_HELLO = 1,
	KEEPER_REPLACE,
	KEEPER_LISTEN,
	KEEPER_FD,
	KEEPER_LEDGER,
	KEEPER_END,
	KEEPER_BUSY,
	KEEPER_STOP,
	KEEPER_QUIT,
};

/**
 * struct keeper_hdr - the head of every packet
 * @version:	KEEPER_VERSION
 * @type:	enum keeper_msg
 * @len:	payload bytes after the header
 */
struct keeper_hdr {
	uint32_t version;
	uint32_t type;
	uint32_t len;
};

#endif /* B4NS_KEEPER_PROTO_H */
