/* acpi.c - the ACPI tables a Linux guest needs to find a virtio-mmio device.
 *
 * Why: Debian kernels have no virtio_mmio.device= command-line devices, so
 * the device is described the way Firecracker and QEMU's microvm do: an
 * LNRO0005 device in the DSDT with a Memory32Fixed window and an
 * interrupt. Around it the minimum Linux accepts: an RSDP (found through
 * boot_params.acpi_rsdp_addr or the BIOS-area scan), an XSDT, a
 * hardware-reduced FADT (no PM timer, no SCI, no legacy blocks) pointing at
 * the DSDT, and a MADT with one local APIC and the IOAPIC.
 *
 * The DSDT's AML is emitted by a tiny builder (aml_* below); `iasl -d`
 * disassembles it in the test suite. Every table's checksum makes its bytes
 * sum to 0 (mod 256).
 */
#include "config.h"

#include "acpi.h"

#include <string.h>

#include <gio/gio.h>
#include <glib/gi18n.h>

#define ACPI_HEADER_BYTES    36
#define ACPI_OEM_ID          "RONDO "
#define ACPI_OEM_TABLE_ID    "RONDOVMM"
#define ACPI_FADT_BYTES      276
#define ACPI_FADT_HW_REDUCED (1u << 20)
#define ACPI_RSDP_BYTES      36

/* ------------------------------------------------------- little helpers */

static void
put_bytes(GByteArray *b, const void *data, gsize len)
{
    g_byte_array_append(b, data, (guint)len);
}

static void
put_u8(GByteArray *b, guint8 v)
{
    put_bytes(b, &v, 1);
}

static void
put_u16(GByteArray *b, guint16 v)
{
    guint16 le = GUINT16_TO_LE(v);
    put_bytes(b, &le, 2);
}

static void
put_u32(GByteArray *b, guint32 v)
{
    guint32 le = GUINT32_TO_LE(v);
    put_bytes(b, &le, 4);
}

static void
put_u64(GByteArray *b, guint64 v)
{
    guint64 le = GUINT64_TO_LE(v);
    put_bytes(b, &le, 8);
}

static void
set_u32(GByteArray *b, guint32 offset, guint32 v)
{
    guint32 le = GUINT32_TO_LE(v);
    memcpy(b->data + offset, &le, 4);
}

static void
set_u64(GByteArray *b, guint32 offset, guint64 v)
{
    guint64 le = GUINT64_TO_LE(v);
    memcpy(b->data + offset, &le, 8);
}

guint8
acpi_checksum(const guint8 *data, gsize len)
{
    guint8 sum = 0;
    for (gsize i = 0; i < len; i++)
        sum = (guint8)(sum + data[i]);
    return sum;
}

/* Opens a table: the 36-byte header with length and checksum left 0. */
static guint32
table_begin(GByteArray *b, const char *signature, guint8 revision)
{
    while (b->len % 16 != 0)
        put_u8(b, 0);
    guint32 start = b->len;
    put_bytes(b, signature, 4);
    put_u32(b, 0); /* length */
    put_u8(b, revision);
    put_u8(b, 0); /* checksum */
    put_bytes(b, ACPI_OEM_ID, 6);
    put_bytes(b, ACPI_OEM_TABLE_ID, 8);
    put_u32(b, 1); /* OEM revision */
    put_bytes(b, "RNDO", 4);
    put_u32(b, 1); /* creator revision */
    return start;
}

static void
table_end(GByteArray *b, guint32 start)
{
    set_u32(b, start + 4, b->len - start);
    b->data[start + 9] = (guint8)(0x100 - acpi_checksum(b->data + start, b->len - start));
}

/* ------------------------------------------------------------ AML */

/* PkgLength (ACPI 6.x, 20.2.4): counts itself plus @content_len bytes. */
static void
aml_pkg_length(GByteArray *b, gsize content_len)
{
    gsize total = content_len + 1;
    if (total < 0x40) {
        put_u8(b, (guint8)total);
        return;
    }
    total = content_len + 2;
    if (total < 0x1000) {
        put_u8(b, (guint8)(0x40 | (total & 0xf)));
        put_u8(b, (guint8)(total >> 4));
        return;
    }
    total = content_len + 3;
    g_assert(total < 0x100000);
    put_u8(b, (guint8)(0x80 | (total & 0xf)));
    put_u8(b, (guint8)(total >> 4));
    put_u8(b, (guint8)(total >> 12));
}

/* An opcode with a PkgLength around @body. */
static void
aml_package_op(GByteArray *b, const guint8 *op, gsize op_len, const GByteArray *body)
{
    put_bytes(b, op, op_len);
    aml_pkg_length(b, body->len);
    put_bytes(b, body->data, body->len);
}

static void
aml_name_string(GByteArray *b, const char *name, gsize len)
{
    g_assert(len == 4);
    put_bytes(b, name, 4);
}

/* Name(NAME, "string") */
static void
aml_name_str(GByteArray *b, const char *name, const char *value)
{
    put_u8(b, 0x08);
    aml_name_string(b, name, 4);
    put_u8(b, 0x0d);
    put_bytes(b, value, strlen(value) + 1);
}

/* Name(NAME, byte) */
static void
aml_name_byte(GByteArray *b, const char *name, guint8 value)
{
    put_u8(b, 0x08);
    aml_name_string(b, name, 4);
    put_u8(b, 0x0a);
    put_u8(b, value);
}

/* Name(_CRS, ResourceTemplate() { Memory32Fixed(ReadWrite, base, size)
 *   Interrupt(ResourceConsumer, Edge, ActiveHigh, Exclusive) { gsi } }) */
static void
aml_crs(GByteArray *b, const AcpiDevice *dev)
{
    g_autoptr(GByteArray) res = g_byte_array_new();
    put_u8(res, 0x86); /* Memory32Fixed */
    put_u16(res, 9);
    put_u8(res, 1); /* read/write */
    put_u32(res, (guint32)dev->mmio_base);
    put_u32(res, (guint32)dev->mmio_size);
    put_u8(res, 0x89); /* Extended Interrupt */
    put_u16(res, 6);
    put_u8(res, 0x03); /* consumer, edge, active high, exclusive */
    put_u8(res, 1);
    put_u32(res, dev->gsi);
    put_u8(res, 0x79); /* End Tag, checksum 0 = "not computed" */
    put_u8(res, 0);

    g_autoptr(GByteArray) buffer = g_byte_array_new();
    put_u8(buffer, 0x0a); /* BufferSize as a ByteConst */
    put_u8(buffer, (guint8)res->len);
    put_bytes(buffer, res->data, res->len);
    put_u8(b, 0x08);
    aml_name_string(b, "_CRS", 4);
    const guint8 buffer_op = 0x11;
    aml_package_op(b, &buffer_op, 1, buffer);
}

/* Device(VRnn) { _HID, _UID, _CRS } */
static void
aml_device(GByteArray *b, const AcpiDevice *dev, guint index)
{
    char name[5];
    g_snprintf(name, sizeof name, "VR%02u", index % 100);
    g_autoptr(GByteArray) body = g_byte_array_new();
    aml_name_string(body, name, 4);
    aml_name_str(body, "_HID", dev->hid);
    aml_name_byte(body, "_UID", (guint8)index);
    aml_crs(body, dev);
    static const guint8 device_op[] = {0x5b, 0x82};
    aml_package_op(b, device_op, sizeof device_op, body);
}

static guint32
build_dsdt(GByteArray *b, const AcpiDevice *devices, guint n_devices)
{
    guint32 start = table_begin(b, "DSDT", 2);
    g_autoptr(GByteArray) scope = g_byte_array_new();
    put_bytes(scope, "\\_SB_", 5);
    for (guint i = 0; i < n_devices; i++)
        aml_device(scope, &devices[i], i);
    const guint8 scope_op = 0x10;
    aml_package_op(b, &scope_op, 1, scope);
    table_end(b, start);
    return start;
}

/* ------------------------------------------------------------ tables */

static guint32
build_fadt(GByteArray *b, guint64 dsdt_addr)
{
    guint32 start = table_begin(b, "FACP", 6);
    while (b->len - start < ACPI_FADT_BYTES)
        put_u8(b, 0);
    set_u32(b, start + 40, (guint32)dsdt_addr);    /* DSDT */
    set_u32(b, start + 112, ACPI_FADT_HW_REDUCED); /* Flags */
    b->data[start + 131] = 5;                      /* FADT minor version (6.5) */
    set_u64(b, start + 140, dsdt_addr);            /* X_DSDT */
    memcpy(b->data + start + 268, "RONDOVMM", 8);  /* hypervisor vendor identity */
    table_end(b, start);
    return start;
}

static guint32
build_madt(GByteArray *b)
{
    guint32 start = table_begin(b, "APIC", 5);
    put_u32(b, LAYOUT_LAPIC_ADDR);
    put_u32(b, 1); /* PCAT_COMPAT: there are 8259s */
    put_u8(b, 0);  /* Processor Local APIC */
    put_u8(b, 8);
    put_u8(b, 0);  /* ACPI processor UID */
    put_u8(b, 0);  /* APIC id */
    put_u32(b, 1); /* enabled */
    put_u8(b, 1);  /* I/O APIC */
    put_u8(b, 12);
    put_u8(b, 0); /* IOAPIC id */
    put_u8(b, 0);
    put_u32(b, LAYOUT_IOAPIC_ADDR);
    put_u32(b, 0); /* GSI base */
    table_end(b, start);
    return start;
}

static guint32
build_xsdt(GByteArray *b, guint64 fadt_addr, guint64 madt_addr)
{
    guint32 start = table_begin(b, "XSDT", 1);
    put_u64(b, fadt_addr);
    put_u64(b, madt_addr);
    table_end(b, start);
    return start;
}

/* RSDP revision 2: checksum over the first 20 bytes, extended over all 36. */
static void
build_rsdp(GByteArray *b, guint32 start, guint64 xsdt_addr)
{
    guint8 *r = b->data + start;
    memcpy(r, "RSD PTR ", 8);
    memcpy(r + 9, ACPI_OEM_ID, 6);
    r[15] = 2;
    set_u32(b, start + 20, ACPI_RSDP_BYTES);
    set_u64(b, start + 24, xsdt_addr);
    r[8] = (guint8)(0x100 - acpi_checksum(r, 20));
    r[32] = (guint8)(0x100 - acpi_checksum(r, ACPI_RSDP_BYTES));
}

void
acpi_tables_build(AcpiTables *t, guint64 base, const AcpiDevice *devices, guint n_devices)
{
    g_assert(n_devices <= ACPI_DEVICES_MAX);
    memset(t, 0, sizeof *t);
    t->blob = g_byte_array_new();
    t->rsdp_offset = 0;
    g_byte_array_set_size(t->blob, ACPI_RSDP_BYTES);
    memset(t->blob->data, 0, ACPI_RSDP_BYTES);
    t->dsdt_offset = build_dsdt(t->blob, devices, n_devices);
    t->fadt_offset = build_fadt(t->blob, base + t->dsdt_offset);
    t->madt_offset = build_madt(t->blob);
    t->xsdt_offset = build_xsdt(t->blob, base + t->fadt_offset, base + t->madt_offset);
    build_rsdp(t->blob, t->rsdp_offset, base + t->xsdt_offset);
}

void
acpi_tables_clear(AcpiTables *t)
{
    if (t->blob != NULL)
        g_byte_array_unref(t->blob);
    t->blob = NULL;
}

gboolean
acpi_write_tables(GuestMemory *mem, guint64 base, guint64 max_bytes, const AcpiDevice *devices,
                  guint n_devices, GError **error)
{
    AcpiTables t;
    acpi_tables_build(&t, base, devices, n_devices);
    gboolean ok = t.blob->len <= max_bytes;
    if (!ok)
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_NO_SPACE, _("ACPI tables too large"));
    else
        ok = guest_memory_write(mem, base, t.blob->data, t.blob->len, error);
    acpi_tables_clear(&t);
    return ok;
}
