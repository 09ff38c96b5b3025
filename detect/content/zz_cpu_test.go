package content

import (
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

func cpuNow() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_THREAD, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func cpuPerOp(n int, f func()) time.Duration {
	f()
	best := time.Duration(1 << 62)
	for r := 0; r < 5; r++ {
		t0 := cpuNow()
		for i := 0; i < n; i++ {
			f()
		}
		d := (cpuNow() - t0) / time.Duration(n)
		if d < best {
			best = d
		}
	}
	return best
}

func TestCPU(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	clean := benchText(4096, "")
	hit := benchText(4096, benchAttack)
	up := strings.ToUpper(clean[:1]) + clean[1:]
	a := benchText(64<<10, "")
	msg := strings.ReplaceAll(benchText(2<<10, ""), "e", "3")
	t.Logf("ToLower4K      %v", cpuPerOp(2000, func() { sink = strings.ToLower(up) }))
	t.Logf("Inj clean 4K   %v", cpuPerOp(2000, func() { InjectionScore(clean) }))
	t.Logf("Inj hit 4K     %v", cpuPerOp(2000, func() { InjectionScore(hit) }))
	t.Logf("Hidden 4K      %v", cpuPerOp(2000, func() { HiddenText(clean) }))
	t.Logf("HasSecret 4K   %v", cpuPerOp(2000, func() { HasSecret(clean) }))
	t.Logf("SharesText     %v", cpuPerOp(200, func() { SharesText(a, msg, 24) }))
	t.Logf("Overlap        %v", cpuPerOp(200, func() { Overlap(a, msg) }))
	t.Logf("Base64Blob 4K  %v", cpuPerOp(2000, func() { Base64Blob(clean, 40) }))
}

func TestCPUParts(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	clean := benchText(4096, "")
	up := strings.ToUpper(clean[:1]) + clean[1:]
	st := getState()
	tb := table()
	t.Logf("ToLower4K  %v", cpuPerOp(5000, func() { sink = strings.ToLower(up) }))
	t.Logf("normalize  %v", cpuPerOp(5000, func() { st.n.reset(st.n.buf); st.n.add(clean); st.n.finish() }))
	buf := st.n.buf
	t.Logf("ac scan    %v", cpuPerOp(5000, func() { scan(tb.ac, buf, false, func(int, int) bool { return true }) }))
	t.Logf("layers     %v", cpuPerOp(5000, func() { st.layers = st.layers[:0]; st.n.buf = st.n.buf[:len(buf)]; st.decodeLayers(clean, len(buf)) }))
	t.Logf("full       %v", cpuPerOp(5000, func() { InjectionScore(clean) }))
}
