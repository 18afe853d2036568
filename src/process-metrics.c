/* process-metrics.c - the standard process_* metrics (process-metrics.h).
 *
 * Dashboards and alerts written for any Prometheus exporter read these
 * names. Everything comes from the process' own files, which rondod's unit
 * leaves readable (ProtectProc=invisible and ProcSubset=pid hide other
 * processes and /proc/stat, not /proc/self): /proc/self/stat for CPU
 * time, memory and the start in clock ticks since boot, /proc/self/fd for
 * the open descriptors. The boot time is taken from CLOCK_BOOTTIME rather
 * than /proc/stat's btime, which ProcSubset=pid hides.
 */
#include "config.h"

#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "process-metrics.h"

/* The fields of /proc/self/stat used here (proc(5), 1-based numbering). */
typedef struct {
    guint64 utime, stime; /* 14, 15: clock ticks */
    guint64 starttime;    /* 22: clock ticks after boot */
    guint64 vsize;        /* 23: bytes */
    guint64 rss_pages;    /* 24 */
} ProcStat;

static gboolean
proc_stat_read(ProcStat *ps)
{
    g_autofree char *text = NULL;
    if (!g_file_get_contents("/proc/self/stat", &text, NULL, NULL))
        return FALSE;
    /* The command name (field 2) is in parentheses and may hold spaces:
     * the fields after it start at the last ')'. */
    const char *p = strrchr(text, ')');
    if (p == NULL)
        return FALSE;
    g_auto(GStrv) f = g_strsplit(p + 2, " ", 0);
    /* f[0] is field 3 (state): field n is f[n - 3]. */
    if (g_strv_length(f) < 22)
        return FALSE;
    ps->utime = g_ascii_strtoull(f[14 - 3], NULL, 10);
    ps->stime = g_ascii_strtoull(f[15 - 3], NULL, 10);
    ps->starttime = g_ascii_strtoull(f[22 - 3], NULL, 10);
    ps->vsize = g_ascii_strtoull(f[23 - 3], NULL, 10);
    ps->rss_pages = g_ascii_strtoull(f[24 - 3], NULL, 10);
    return TRUE;
}

static void
write_one(GString *out, const char *name, const char *type, const char *help, double value)
{
    g_string_append_printf(out, "# HELP %s %s\n# TYPE %s %s\n%s %.17g\n", name, help, name, type,
                           name, value);
}

/* Seconds since the epoch at which the system booted, or 0. */
static double
boot_time_s(void)
{
    struct timespec real, boot;
    if (clock_gettime(CLOCK_REALTIME, &real) != 0 || clock_gettime(CLOCK_BOOTTIME, &boot) != 0)
        return 0;
    return (double)(real.tv_sec - boot.tv_sec) + (real.tv_nsec - boot.tv_nsec) / 1e9;
}

static gint64
open_fds(void)
{
    g_autoptr(GDir) dir = g_dir_open("/proc/self/fd", 0, NULL);
    if (dir == NULL)
        return -1;
    gint64 n = 0;
    while (g_dir_read_name(dir) != NULL)
        n++;
    return n - 1; /* the directory's own descriptor */
}

void
process_metrics_write(GString *out)
{
    long ticks = sysconf(_SC_CLK_TCK);
    long page = sysconf(_SC_PAGESIZE);
    ProcStat ps;
    if (ticks > 0 && page > 0 && proc_stat_read(&ps)) {
        write_one(out, "process_cpu_seconds_total", "counter",
                  "Total user and system CPU time spent in seconds.",
                  (double)(ps.utime + ps.stime) / (double)ticks);
        write_one(out, "process_resident_memory_bytes", "gauge", "Resident memory size in bytes.",
                  (double)ps.rss_pages * (double)page);
        write_one(out, "process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.",
                  (double)ps.vsize);
        double boot = boot_time_s();
        if (boot > 0)
            write_one(out, "process_start_time_seconds", "gauge",
                      "Start time of the process since unix epoch in seconds.",
                      boot + (double)ps.starttime / (double)ticks);
    }
    gint64 fds = open_fds();
    if (fds >= 0)
        write_one(out, "process_open_fds", "gauge", "Number of open file descriptors.",
                  (double)fds);
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
        write_one(out, "process_max_fds", "gauge", "Maximum number of open file descriptors.",
                  (double)rl.rlim_cur);
}
