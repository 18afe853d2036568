/* serial.h - a 16550A UART (transmit side) on the PC's COM1 ports. */
#pragma once

#include <glib.h>

#include "bus.h"
#include "irq.h"
#include "layout.h"

typedef void (*SerialOutputFunc)(void *opaque, guint8 byte);

typedef struct Serial Serial;

/* @irq may be NULL (no interrupt wired). @output receives each transmitted byte. */
Serial *serial_new(const IrqLine *irq, SerialOutputFunc output, void *output_opaque);
void serial_free(Serial *serial);

/* Bus callbacks; register with bus_register(bus, SERIAL_COM1_BASE, SERIAL_PORTS, ...). */
extern const BusDeviceOps serial_bus_ops;

/* Bytes the guest transmitted so far. */
guint64 serial_get_tx_bytes(const Serial *serial);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(Serial, serial_free)
