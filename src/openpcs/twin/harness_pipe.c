/*
 * The node twin's pipe to openpcs (harness_pipe.h): whole messages out on the standard
 * output, written in batches; messages in from the standard input, taken as they come or
 * waited for when the harness needs an answer. Every message is one byte of kind, two bytes
 * of length (little-endian) and the payload.
 */
#include "harness_pipe.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static uint8_t out_buf[1 << 16];
static size_t out_len;

void pipe_flush(void)
{
	size_t done = 0;
	while (done < out_len) {
		ssize_t n = write(STDOUT_FILENO, out_buf + done, out_len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			exit(3); /* openpcs went away: nobody to tell */
		done += (size_t)n;
	}
	out_len = 0;
}

void pipe_send(uint8_t kind, const uint8_t *payload, uint16_t len)
{
	if (out_len + 3u + len > sizeof out_buf)
		pipe_flush();
	out_buf[out_len++] = kind;
	out_buf[out_len++] = (uint8_t)(len & 0xff);
	out_buf[out_len++] = (uint8_t)(len >> 8);
	memcpy(out_buf + out_len, payload, len);
	out_len += len;
}

void put_u64(uint8_t *at, uint64_t value)
{
	for (int i = 0; i < 8; i++)
		at[i] = (uint8_t)(value >> (8 * i));
}

uint64_t get_u64(const uint8_t *at)
{
	uint64_t value = 0;
	for (int i = 7; i >= 0; i--)
		value = value << 8 | at[i];
	return value;
}

static uint8_t in_buf[1 << 16];
static size_t in_len;
static int in_open = 1;

/* Read what has come (blocking or not) and hand each whole message to `handle`; 0 once the
   input is closed. */
static int take_input(pipe_handler handle)
{
	ssize_t n;
	do
		n = read(STDIN_FILENO, in_buf + in_len, sizeof in_buf - in_len);
	while (n < 0 && errno == EINTR);
	if (n <= 0) {
		in_open = 0;
		return 0;
	}
	in_len += (size_t)n;
	size_t at = 0;
	while (in_len - at >= 3) {
		size_t len = in_buf[at + 1] | (size_t)in_buf[at + 2] << 8;
		if (in_len - at < 3 + len)
			break;
		handle(in_buf[at], in_buf + at + 3, len);
		at += 3 + len;
	}
	memmove(in_buf, in_buf + at, in_len - at);
	in_len -= at;
	if (in_len == sizeof in_buf)
		exit(5); /* a message larger than the buffer: not one openpcs sends */
	return 1;
}

void pipe_poll(pipe_handler handle)
{
	struct pollfd fd = { .fd = STDIN_FILENO, .events = POLLIN };
	while (in_open && poll(&fd, 1, 0) > 0 && take_input(handle)) {
	}
}

void pipe_wait(pipe_handler handle, const int *answered)
{
	pipe_flush();
	while (!*answered)
		if (!take_input(handle))
			exit(6); /* openpcs went away while the harness waited for its answer */
}
