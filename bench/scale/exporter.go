// exporter.go - the traditional side of bench/scale: one exporter process per
// VM, written as most Prometheus exporters are (Go, client_golang, promhttp).
//
// The VM process writes a snapshot of its counters as one line of JSON
// ({"name": value, ...}) to a named pipe, the way Firecracker writes its
// metrics file; this exporter reads each line, keeps the latest snapshot and
// exposes it at /metrics through a Collector (const metrics built at scrape
// time), the pattern of exporters that mirror another process's counters.
//
//	exporter -fifo PATH -listen 127.0.0.1:PORT -vm NAME
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"log"
	"net/http"
	"os"
	"sort"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

type snapshotCollector struct {
	vm    string
	mu    sync.Mutex
	names []string
	descs map[string]*prometheus.Desc
	value map[string]float64
}

func (c *snapshotCollector) Describe(ch chan<- *prometheus.Desc) {
	// Unchecked collector: the series are known only once the VM has written.
}

func (c *snapshotCollector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, name := range c.names {
		ch <- prometheus.MustNewConstMetric(c.descs[name], prometheus.CounterValue,
			c.value[name])
	}
}

func (c *snapshotCollector) update(snapshot map[string]float64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for name, v := range snapshot {
		if _, ok := c.descs[name]; !ok {
			c.descs[name] = prometheus.NewDesc(name, "VM counter "+name, nil,
				prometheus.Labels{"vm": c.vm})
			c.names = append(c.names, name)
			sort.Strings(c.names)
		}
		c.value[name] = v
	}
}

func (c *snapshotCollector) follow(path string) {
	f, err := os.Open(path)
	if err != nil {
		log.Fatal(err)
	}
	scanner := bufio.NewScanner(f)
	scanner.Buffer(make([]byte, 64*1024), 1024*1024)
	for scanner.Scan() {
		var snapshot map[string]float64
		if err := json.Unmarshal(scanner.Bytes(), &snapshot); err != nil {
			log.Printf("bad line: %v", err)
			continue
		}
		c.update(snapshot)
	}
}

func main() {
	fifo := flag.String("fifo", "", "named pipe the VM writes its counters to")
	listen := flag.String("listen", "127.0.0.1:9100", "address for /metrics")
	vm := flag.String("vm", "vm", "value of the vm label")
	flag.Parse()

	c := &snapshotCollector{vm: *vm, descs: map[string]*prometheus.Desc{},
		value: map[string]float64{}}
	registry := prometheus.NewRegistry()
	registry.MustRegister(c)
	go c.follow(*fifo)
	http.Handle("/metrics", promhttp.HandlerFor(registry, promhttp.HandlerOpts{}))
	log.Fatal(http.ListenAndServe(*listen, nil))
}
