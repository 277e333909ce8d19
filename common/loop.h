/* SPDX-License-Identifier: GPL-2.0-or-later
 * loop.h - the supervisor's event loop: one epoll set, callbacks per fd
 */
#ifndef B4NS_LOOP_H
#define B4NS_LOOP_H

#include <stdint.h>

struct loop;
struct loop_watch;

/**
 * typedef loop_fn - callback for a watched fd
 * @l:		the loop
 * @fd:		the fd that is ready
 * @events:	epoll events
 * @arg:	the pointer given to loop_add()
 */
typedef void (*loop_fn)(struct loop *l, int fd, uint32_t events, void *arg);

/**
 * typedef loop_tick_fn - called after every batch of events
 * @l:		the loop
 * @arg:	the pointer given to loop_set_tick()
 *
 * Return: the longest time to wait for the next event, in milliseconds, or
 * -1 for no limit
 */
typedef int (*loop_tick_fn)(struct loop *l, void *arg);

/**
 * loop_new() - create an event loop
 * @out:	the loop
 *
 * Return: 0 or negative errno
 */
int loop_new(struct loop **out);

/**
 * loop_free() - run what was deferred, free every watch and the loop
 * @l:		loop, may be NULL (fds stay open: their owners close them)
 */
void loop_free(struct loop *l);

/**
 * loop_add() - watch @fd
 * @l:		loop
 * @fd:		descriptor (the caller keeps ownership)
 * @events:	epoll events
 * @fn:		callback
 * @arg:	passed to @fn
 * @w:		the watch, for loop_del() and loop_mod(); may be NULL
 *
 * Return: 0 or negative errno
 */
int loop_add(struct loop *l, int fd, uint32_t events, loop_fn fn, void *arg,
	     struct loop_watch **w);

/**
 * loop_del() - stop watching: the callback is not called again, not even
 * for an event already in the current batch; the watch's memory goes after
 * the batch. Call it before closing the fd: a copy of the fd held elsewhere
 * (a forked child) keeps a closed fd's epoll registration alive
 * @l:		loop
 * @w:		watch from loop_add(), may be NULL (the fd is not closed)
 */
void loop_del(struct loop *l, struct loop_watch *w);

/**
 * loop_del_fd() - loop_del() of the live watch of @fd
 * @l:		loop
 * @fd:		descriptor given to loop_add()
 */
void loop_del_fd(struct loop *l, int fd);

/**
 * loop_defer() - call @fn(@arg) after the current batch of events
 * @l:		loop
 * @fn:		what to call, typically a destructor
 * @arg:	its argument
 *
 * An object a callback takes out of service may still be named by an
 * event later in the same batch: its owner marks it dead at once and frees
 * it here (as passt's flow_defer_handler() does). Outside loop_run(), the
 * call runs at the next batch's end or in loop_free().
 *
 * Return: 0, or -ENOMEM (then @fn was called at once)
 */
int loop_defer(struct loop *l, void (*fn)(void *), void *arg);

/**
 * loop_set_tick() - call @fn after every batch of events
 * @l:		loop
 * @fn:		the tick (one per loop), NULL for none
 * @arg:	its argument
 */
void loop_set_tick(struct loop *l, loop_tick_fn fn, void *arg);

/**
 * loop_run() - serve events until loop_stop() is called
 * @l:		loop
 *
 * Return: 0, or negative errno if epoll failed
 */
int loop_run(struct loop *l);

/**
 * loop_stop() - make loop_run() return after this batch
 * @l:		loop
 */
void loop_stop(struct loop *l);

#endif /* B4NS_LOOP_H */
