/* acpi.h - minimal ACPI tables: RSDP, XSDT, FADT (hardware-reduced), MADT, DSDT. */
#pragma once

#include <glib.h>

#include "layout.h"
#include "memory.h"

#define ACPI_DEVICES_MAX 8

/* A device the DSDT describes: _HID, one MMIO window, one edge interrupt. */
typedef struct {
    const char *hid;
    guint64 mmio_base;
    guint64 mmio_size;
    guint32 gsi;
} AcpiDevice;

/* The tables laid out for guest-physical address @base. */
typedef struct {
    GByteArray *blob;
    guint32 rsdp_offset, xsdt_offset, fadt_offset, madt_offset, dsdt_offset;
} AcpiTables;

/* Builds all tables for one vCPU; the RSDP comes first (so @base is the
 * RSDP address). */
void acpi_tables_build(AcpiTables *tables, guint64 base, const AcpiDevice *devices,
                       guint n_devices);
void acpi_tables_clear(AcpiTables *tables);

/* Sum of @len bytes modulo 256: 0 for a valid table. */
guint8 acpi_checksum(const guint8 *data, gsize len);

/* Builds and copies the tables to guest memory at @base (at most @max_bytes). */
gboolean acpi_write_tables(GuestMemory *mem, guint64 base, guint64 max_bytes,
                           const AcpiDevice *devices, guint n_devices, GError **error);
