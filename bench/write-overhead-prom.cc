// write-overhead-prom.cc - benchmark A's prometheus-cpp contender: counters in
// a prometheus::Registry, incremented as instrumented code does.
#include "write-overhead.h"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/registry.h>

#include <cstdio>
#include <exception>
#include <memory>
#include <string>
#include <vector>

struct WoProm {
    WoPromMode mode;
    prometheus::Registry registry;
    std::vector<prometheus::Counter *> counters;     // WO_PROM_UNLABELLED
    prometheus::Family<prometheus::Counter> *family; // WO_PROM_LABELS_LOOKUP
    std::vector<std::string> names;
};

extern "C" WoProm *
wo_prom_new(WoPromMode mode, const char *const *names, unsigned n)
{
    try {
        auto prom = std::make_unique<WoProm>();
        prom->mode = mode;
        prom->family = nullptr;
        for (unsigned s = 0; s < n; s++)
            prom->names.emplace_back(names[s]);
        if (mode == WO_PROM_UNLABELLED) {
            for (unsigned s = 0; s < n; s++) {
                auto &family = prometheus::BuildCounter()
                                   .Name(prom->names[s] + "_total")
                                   .Help("a VM counter")
                                   .Register(prom->registry);
                prom->counters.push_back(&family.Add({}));
            }
        } else {
            prom->family = &prometheus::BuildCounter()
                                .Name("vm_series_total")
                                .Help("VM counters, by series")
                                .Register(prom->registry);
            for (unsigned s = 0; s < n; s++)
                prom->family->Add({{"series", prom->names[s]}});
        }
        return prom.release();
    } catch (const std::exception &e) {
        std::fprintf(stderr, "prometheus-cpp: %s\n", e.what());
        return nullptr;
    }
}

extern "C" void
wo_prom_increment(WoProm *prom, unsigned series)
{
    if (prom->mode == WO_PROM_UNLABELLED)
        prom->counters[series]->Increment();
    else
        prom->family->Add({{"series", prom->names[series]}}).Increment();
}

extern "C" void
wo_prom_free(WoProm *prom)
{
    delete prom;
}
