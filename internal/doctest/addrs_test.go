package doctest

import (
	"fmt"
	"math/rand/v2"
	"net"
	"strconv"
	"strings"
	"testing"
)

// The emulator's documented data directory and addresses (its defaults).
const (
	docDataDir = "/tmp/gdb"
	docHTTP    = "127.0.0.1:4566"
	docDNSPort = "1053"
)

// docAddrs is where one document's emulator keeps its data and listens.
// They are the only things the test changes in a block's text
// (substitute): a fresh data directory, so a reader's /tmp/gdb is never
// touched and no state leaks between runs, and free ports, so the two
// documents run side by side and next to whatever holds the defaults.
type docAddrs struct {
	dataDir string
	http    string // host:port
	dnsPort string
}

func newDocAddrs(t *testing.T, dataDir string) docAddrs {
	t.Helper()
	http, dns, err := freePorts()
	if err != nil {
		t.Fatal(err)
	}
	return docAddrs{dataDir: dataDir, http: "127.0.0.1:" + http, dnsPort: dns}
}

// substitute rewrites the documented data directory and addresses to a's.
// The emulator is started on them with --listen and --dns-listen, added
// where the docs start it. A block that names a documented address in a
// form this does not know is an error rather than a call to a stranger's
// emulator.
func (a docAddrs) substitute(text string) (string, error) {
	dns := "127.0.0.1:" + a.dnsPort
	r := strings.NewReplacer(
		"emulator --data-dir "+docDataDir,
		fmt.Sprintf("emulator --listen %s --dns-listen %s --data-dir %s", a.http, dns, a.dataDir),
		docDataDir, a.dataDir,
		docHTTP, a.http,
		"127.0.0.1:"+docDNSPort, dns,
		"-p "+docDNSPort+" ", "-p "+a.dnsPort+" ",
	)
	out := r.Replace(text)
	for _, left := range []string{docDataDir, "4566", docDNSPort} {
		if strings.Contains(out, left) {
			return "", fmt.Errorf("the block names %q in a form the test cannot move to its own emulator: write it as %q, %q, %q or \"-p %s \"",
				left, "emulator --data-dir "+docDataDir, docHTTP, "127.0.0.1:"+docDNSPort, docDNSPort)
		}
	}
	return out, nil
}

// freePorts returns two loopback ports free now for TCP (HTTP) and for
// UDP and TCP (DNS). They are drawn below the kernel's ephemeral range
// (32768 and up by default), where the clients of a busy test machine
// would otherwise take them between this check and the emulator's start.
func freePorts() (http, dns string, err error) {
	var ports []string
	for range 200 {
		if len(ports) == 2 {
			return ports[0], ports[1], nil
		}
		port := strconv.Itoa(20000 + rand.IntN(12000))
		if len(ports) == 1 && port == ports[0] {
			continue
		}
		if free(port) {
			ports = append(ports, port)
		}
	}
	return "", "", fmt.Errorf("find two free ports: 200 tries failed")
}

// free says whether a loopback port can be bound for UDP and TCP.
func free(port string) bool {
	l, err := net.Listen("tcp", "127.0.0.1:"+port)
	if err != nil {
		return false
	}
	l.Close()
	pc, err := net.ListenPacket("udp", "127.0.0.1:"+port)
	if err != nil {
		return false
	}
	pc.Close()
	return true
}

func TestDocAddrs_Substitute(t *testing.T) {
	a := docAddrs{dataDir: "/w/gdb", http: "127.0.0.1:40000", dnsPort: "40001"}
	tests := []struct {
		name, in, want string
		wantErr        bool
	}{
		{
			name: "the emulator starts on the test's addresses",
			in:   "bin/globaldb emulator --data-dir /tmp/gdb --time-scale 0.1 & # HTTP 127.0.0.1:4566, DNS 127.0.0.1:1053\n",
			want: "bin/globaldb emulator --listen 127.0.0.1:40000 --dns-listen 127.0.0.1:40001 --data-dir /w/gdb --time-scale 0.1 & # HTTP 127.0.0.1:40000, DNS 127.0.0.1:40001\n",
		},
		{
			name: "clients follow",
			in:   "export AWS_ENDPOINT_URL=http://127.0.0.1:4566\ndig @127.0.0.1 -p 1053 +short x\npsql sslrootcert=/tmp/gdb/global-bundle.pem\n",
			want: "export AWS_ENDPOINT_URL=http://127.0.0.1:40000\ndig @127.0.0.1 -p 40001 +short x\npsql sslrootcert=/w/gdb/global-bundle.pem\n",
		},
		{name: "an address in another form is refused", in: "curl localhost:4566\n", wantErr: true},
		{name: "so is another DNS flag form", in: "dig -p1053 x\n", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := a.substitute(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}
