/* irq.h - how a device raises an interrupt line without knowing about KVM. */
#pragma once

#include <glib.h>

typedef struct {
    /* Drives GSI @gsi to @level; edge-triggered lines see the 0 -> 1 change. */
    void (*set_level)(void *opaque, guint32 gsi, gboolean level);
    void *opaque;
    guint32 gsi;
} IrqLine;

static inline void
irq_line_set(const IrqLine *line, gboolean level)
{
    if (line != NULL && line->set_level != NULL)
        line->set_level(line->opaque, line->gsi, level);
}

/* One edge: raise, then lower. */
static inline void
irq_line_pulse(const IrqLine *line)
{
    irq_line_set(line, TRUE);
    irq_line_set(line, FALSE);
}
