/* serial.c - 8250/16550A UART, as much as a guest's console driver checks.
 *
 * Why this much and no more: Linux's 8250 driver probes the chip before it
 * trusts it (scratch register, IER read-back, MCR loopback reflected in MSR,
 * FIFO bits in IIR) and then transmits on the THRE interrupt. Our
 * transmitter is infinitely fast: the holding register is empty again as soon
 * as it is written, so "THR empty" is pending whenever the guest enabled it
 * and has not yet read IIR since. Receive is not wired (no console input).
 *
 * Invariant: the IRQ line level always equals "an interrupt is pending and
 * MCR.OUT2 is set"; serial_update_irq() is the only place that changes it.
 */
#include "config.h"

#include "serial.h"

/* Register offsets (DLAB = 0 unless noted). */
enum {
    UART_RX_TX = 0, /* DLAB=1: divisor latch low */
    UART_IER = 1,   /* DLAB=1: divisor latch high */
    UART_IIR_FCR = 2,
    UART_LCR = 3,
    UART_MCR = 4,
    UART_LSR = 5,
    UART_MSR = 6,
    UART_SCR = 7,
};

#define UART_LCR_DLAB      0x80
#define UART_IER_RDI       0x01
#define UART_IER_THRI      0x02
#define UART_IIR_NO_INT    0x01
#define UART_IIR_THRI      0x02
#define UART_IIR_RDI       0x04
#define UART_IIR_FIFO_BITS 0xc0
#define UART_FCR_ENABLE    0x01
#define UART_MCR_DTR       0x01
#define UART_MCR_RTS       0x02
#define UART_MCR_OUT1      0x04
#define UART_MCR_OUT2      0x08
#define UART_MCR_LOOP      0x10
#define UART_LSR_DR        0x01
#define UART_LSR_THRE      0x20
#define UART_LSR_TEMT      0x40
#define UART_MSR_CTS       0x10
#define UART_MSR_DSR       0x20
#define UART_MSR_RI        0x40
#define UART_MSR_DCD       0x80

struct Serial {
    IrqLine irq;
    gboolean has_irq;
    gboolean irq_level;
    SerialOutputFunc output;
    void *output_opaque;
    guint8 ier, lcr, mcr, scr, fcr, dll, dlm;
    guint8 rx; /* loopback only */
    gboolean rx_ready;
    gboolean thre_pending;
    guint64 tx_bytes;
};

Serial *
serial_new(const IrqLine *irq, SerialOutputFunc output, void *output_opaque)
{
    Serial *s = g_new0(Serial, 1);
    if (irq != NULL) {
        s->irq = *irq;
        s->has_irq = TRUE;
    }
    s->output = output;
    s->output_opaque = output_opaque;
    s->dll = 12; /* 9600 baud, as after a BIOS */
    return s;
}

void
serial_free(Serial *serial)
{
    g_free(serial);
}

guint64
serial_get_tx_bytes(const Serial *serial)
{
    return serial->tx_bytes;
}

static guint8
serial_iir(const Serial *s)
{
    guint8 fifo = (s->fcr & UART_FCR_ENABLE) ? UART_IIR_FIFO_BITS : 0;
    if ((s->ier & UART_IER_RDI) && s->rx_ready)
        return fifo | UART_IIR_RDI;
    if ((s->ier & UART_IER_THRI) && s->thre_pending)
        return fifo | UART_IIR_THRI;
    return fifo | UART_IIR_NO_INT;
}

static void
serial_update_irq(Serial *s)
{
    gboolean level = (serial_iir(s) & UART_IIR_NO_INT) == 0 && (s->mcr & UART_MCR_OUT2);
    if (level == s->irq_level)
        return;
    s->irq_level = level;
    if (s->has_irq)
        irq_line_set(&s->irq, level);
}

static void
serial_transmit(Serial *s, guint8 byte)
{
    if (s->mcr & UART_MCR_LOOP) {
        s->rx = byte;
        s->rx_ready = TRUE;
    } else {
        s->tx_bytes++;
        if (s->output != NULL)
            s->output(s->output_opaque, byte);
    }
    s->thre_pending = TRUE;
}

/* In loopback the modem outputs feed the modem inputs: RTS->CTS, DTR->DSR,
 * OUT1->RI, OUT2->DCD. Otherwise a connected, ready line. */
static guint8
serial_msr(const Serial *s)
{
    if (!(s->mcr & UART_MCR_LOOP))
        return UART_MSR_DCD | UART_MSR_DSR | UART_MSR_CTS;
    guint8 msr = 0;
    if (s->mcr & UART_MCR_RTS)
        msr |= UART_MSR_CTS;
    if (s->mcr & UART_MCR_DTR)
        msr |= UART_MSR_DSR;
    if (s->mcr & UART_MCR_OUT1)
        msr |= UART_MSR_RI;
    if (s->mcr & UART_MCR_OUT2)
        msr |= UART_MSR_DCD;
    return msr;
}

static guint8
serial_read_reg(Serial *s, guint64 reg)
{
    gboolean dlab = (s->lcr & UART_LCR_DLAB) != 0;
    guint8 iir;
    switch (reg) {
    case UART_RX_TX:
        if (dlab)
            return s->dll;
        s->rx_ready = FALSE;
        return s->rx;
    case UART_IER:
        return dlab ? s->dlm : s->ier;
    case UART_IIR_FCR:
        iir = serial_iir(s);
        if ((iir & 0x0f) == UART_IIR_THRI)
            s->thre_pending = FALSE; /* reading IIR acknowledges THRE */
        return iir;
    case UART_LCR:
        return s->lcr;
    case UART_MCR:
        return s->mcr;
    case UART_LSR:
        return UART_LSR_THRE | UART_LSR_TEMT | (s->rx_ready ? UART_LSR_DR : 0);
    case UART_MSR:
        return serial_msr(s);
    default:
        return s->scr;
    }
}

static void
serial_write_reg(Serial *s, guint64 reg, guint8 value)
{
    gboolean dlab = (s->lcr & UART_LCR_DLAB) != 0;
    switch (reg) {
    case UART_RX_TX:
        if (dlab)
            s->dll = value;
        else
            serial_transmit(s, value);
        break;
    case UART_IER:
        if (dlab) {
            s->dlm = value;
        } else {
            if ((value & UART_IER_THRI) && !(s->ier & UART_IER_THRI))
                s->thre_pending = TRUE; /* the holding register is empty */
            s->ier = value & 0x0f;
        }
        break;
    case UART_IIR_FCR:
        s->fcr = value & 0xc9;
        break;
    case UART_LCR:
        s->lcr = value;
        break;
    case UART_MCR:
        s->mcr = value & 0x1f;
        break;
    case UART_SCR:
        s->scr = value;
        break;
    default:
        break; /* LSR and MSR are read-only */
    }
}

static void
serial_bus_read(void *opaque, guint64 offset, guint8 *data, guint32 len)
{
    Serial *s = opaque;
    for (guint32 i = 0; i < len; i++)
        data[i] = serial_read_reg(s, offset + i);
    serial_update_irq(s);
}

static void
serial_bus_write(void *opaque, guint64 offset, const guint8 *data, guint32 len)
{
    Serial *s = opaque;
    for (guint32 i = 0; i < len; i++)
        serial_write_reg(s, offset + i, data[i]);
    serial_update_irq(s);
}

const BusDeviceOps serial_bus_ops = {
    .name = "serial-8250",
    .read = serial_bus_read,
    .write = serial_bus_write,
};
