/* The node twin's UARTs (harness_uart.c). */
#ifndef OPENPCS_HARNESS_UART_H
#define OPENPCS_HARNESS_UART_H

#include <stddef.h>
#include <stdint.h>

#include <simavr/sim_avr.h>

/* Say one message to openpcs and wait for its answer. */
typedef void (*asker)(uint8_t kind, const uint8_t *payload, uint16_t len);

/* Find UART0 and UART1, stop simavr printing and sleeping on them, and tell openpcs what
   the program sends through `ask`. */
void uart_setup(avr_t *avr, asker ask);
/* Tell openpcs the bytes sent since the last time ('U'), and wait for it to take them. */
void uart_flush(void);
/* Bytes for the program on `port`, none before cycle `at`. */
void uart_enqueue(uint8_t port, uint64_t at, const uint8_t *bytes, size_t len);
/* Give each receiver its next byte when it has room and the byte's cycle has come. */
void uart_feed(void);
/* Whether bytes wait for the program. */
int uart_waiting(void);
/* The transmitters as the ATmega1281 leaves them after a reset: off. */
void uart_transmitters_off(void);

#endif
