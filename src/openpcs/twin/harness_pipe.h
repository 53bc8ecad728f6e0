/* The node twin's pipe to openpcs: framed messages both ways (harness_pipe.c). */
#ifndef OPENPCS_HARNESS_PIPE_H
#define OPENPCS_HARNESS_PIPE_H

#include <stddef.h>
#include <stdint.h>

/* Called for each message that arrives: its kind, payload and length. */
typedef void (*pipe_handler)(uint8_t kind, const uint8_t *payload, size_t len);

/* Queue one message out (written at the next pipe_flush, or when the buffer fills). */
void pipe_send(uint8_t kind, const uint8_t *payload, uint16_t len);
/* Write out every queued message. */
void pipe_flush(void);
/* Hand every message that has already arrived to `handle`, without waiting. */
void pipe_poll(pipe_handler handle);
/* Flush, then hand messages to `handle` until `*answered` is set by it (exits when the
   input closes first: openpcs went away). */
void pipe_wait(pipe_handler handle, const int *answered);

void put_u64(uint8_t *at, uint64_t value);
uint64_t get_u64(const uint8_t *at);

#endif
