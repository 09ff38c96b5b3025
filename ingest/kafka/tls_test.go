package kafka

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
)

// selfSigned returns a server certificate for 127.0.0.1 and a pool that
// trusts it.
func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "kfake"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, pool
}

// TestSourceTLS reads, with a warm-up, from a broker that speaks only TLS:
// the group, the partition readers and the warm-up connection all go
// through the configured TLS.
func TestSourceTLS(t *testing.T) {
	t.Parallel()
	cert, pool := selfSigned(t)
	c, err := kfake.NewCluster(
		kfake.NumBrokers(1),
		kfake.SeedTopics(1, testTopic),
		kfake.GroupMinSessionTimeout(500*time.Millisecond),
		kfake.TLS(&tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}),
	)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	addr := c.ListenAddrs()[0]
	clientTLS := &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}

	tr, err := Conn{Brokers: []string{addr}, TLS: clientTLS}.Transport()
	if err != nil {
		t.Fatal(err)
	}
	defer tr.CloseIdleConnections()
	w := newTestWriter(addr, tr)
	base := time.Now().Add(-time.Hour)
	if err := w.WriteMessages(t.Context(), testMessages(1, 10, base)...); err != nil {
		t.Fatalf("producing over TLS: %v", err)
	}
	_ = w.Close()
	commitOffsets(t, addr, "g-tls", map[int]int64{0: 5}, tr)

	cfg := testConfig(addr, "g-tls")
	cfg.TLS = clientTLS
	cfg.Rewind = 90 * time.Second // from record 4 at base+4m: records 3 and 4
	s := newSource(t, cfg)
	recs := readN(t, s, 7)
	if !recs[0].rec.Warmup || recs[0].rec.Offset != 3 || recs[2].rec.Warmup || recs[2].rec.Offset != 5 {
		t.Fatalf("first records %d(warm %v) %d(warm %v), want 3 (warm-up) ... 5 (live)",
			recs[0].rec.Offset, recs[0].rec.Warmup, recs[2].rec.Offset, recs[2].rec.Warmup)
	}
	for _, r := range recs {
		ack(t, r, nil)
	}
	waitCommitted(t, addr, "g-tls", []int64{10}, tr)

	// Without TLS the group cannot be joined.
	plain := newSource(t, testConfig(addr, "g-plain"))
	waitFor(t, "a group error without TLS", func() bool { return plain.Stats().GroupErrors > 0 })
}
