// hubble-node: one Hubble "node" for NetCity's integration tests (test infrastructure only).
//
// It runs Hubble's real observer (pkg/hubble/observer: its ring buffer, its filters, GetFlows,
// GetNodes-facing ServerStatus, GetNamespaces) inside Hubble's gRPC server (pkg/hubble/server:
// observer + grpc.health.v1), and optionally a peer service announcing the nodes given with
// --peers, so a real hubble-relay started with --peer-service pointing here finds every node.
//
// Events come from a file of jsonpb lines (a GetFlowsResponse per line: {"flow": ...} or
// {"lost_events": ...}; a bare Flow is accepted too). The file is read from the start and then
// followed: lines appended later are live events. Each flow is stamped with this node's name.
//
//	hubble-node --name n1 --listen 127.0.0.1:4245 --events n1.jsonl [--peers n1=127.0.0.1:4245,n2=127.0.0.1:4246] [--buffer 4095]
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"strings"
	"time"

	flowpb "github.com/cilium/cilium/api/v1/flow"
	observerpb "github.com/cilium/cilium/api/v1/observer"
	peerpb "github.com/cilium/cilium/api/v1/peer"
	v1 "github.com/cilium/cilium/pkg/hubble/api/v1"
	"github.com/cilium/cilium/pkg/hubble/container"
	"github.com/cilium/cilium/pkg/hubble/observer"
	"github.com/cilium/cilium/pkg/hubble/observer/observeroption"
	observerTypes "github.com/cilium/cilium/pkg/hubble/observer/types"
	"github.com/cilium/cilium/pkg/hubble/server"
	"github.com/cilium/cilium/pkg/hubble/server/serveroption"
	nodeTypes "github.com/cilium/cilium/pkg/node/types"
	"github.com/sirupsen/logrus"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// passThrough is the observer's payload parser: events arrive already decoded.
type passThrough struct{}

func (passThrough) Decode(ev *observerTypes.MonitorEvent) (*v1.Event, error) {
	e, ok := ev.Payload.(*v1.Event)
	if !ok {
		return nil, fmt.Errorf("unexpected payload %T", ev.Payload)
	}
	return e, nil
}

// peers announces a fixed set of nodes, as the agent's peer service does for a cluster.
type peers struct {
	peerpb.UnimplementedPeerServer
	nodes [][2]string // name, address
}

func (p *peers) Notify(_ *peerpb.NotifyRequest, stream peerpb.Peer_NotifyServer) error {
	for _, n := range p.nodes {
		if err := stream.Send(&peerpb.ChangeNotification{Name: n[0], Address: n[1], Type: peerpb.ChangeNotificationType_PEER_ADDED}); err != nil {
			return err
		}
	}
	<-stream.Context().Done()
	return nil
}

var unmarshal = protojson.UnmarshalOptions{DiscardUnknown: true}

// eventOf reads one jsonpb line into a Hubble event.
func eventOf(line []byte, node string) (*v1.Event, error) {
	var resp observerpb.GetFlowsResponse
	if err := unmarshal.Unmarshal(line, &resp); err == nil && (resp.GetFlow() != nil || resp.GetLostEvents() != nil) {
		if f := resp.GetFlow(); f != nil {
			return flowEvent(f, node), nil
		}
		ts := resp.GetTime()
		if ts == nil {
			ts = timestamppb.Now()
		}
		return &v1.Event{Timestamp: ts, Event: resp.GetLostEvents()}, nil
	}
	var f flowpb.Flow
	if err := unmarshal.Unmarshal(line, &f); err != nil {
		return nil, err
	}
	return flowEvent(&f, node), nil
}

func flowEvent(f *flowpb.Flow, node string) *v1.Event {
	f.NodeName = node
	if f.Time == nil {
		f.Time = timestamppb.Now()
	}
	return &v1.Event{Timestamp: f.Time, Event: f}
}

// follow feeds every line of path to the observer, then keeps reading lines appended later.
func follow(ctx context.Context, path, node string, events chan<- *observerTypes.MonitorEvent) error {
	file, err := os.Open(path)
	if err != nil {
		return err
	}
	defer file.Close()
	r := bufio.NewReaderSize(file, 1<<20)
	var partial []byte
	for {
		chunk, err := r.ReadBytes('\n')
		partial = append(partial, chunk...)
		if errors.Is(err, io.EOF) {
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(20 * time.Millisecond):
			}
			continue
		}
		if err != nil {
			return err
		}
		line := []byte(strings.TrimSpace(string(partial)))
		partial = partial[:0]
		if len(line) == 0 {
			continue
		}
		ev, err := eventOf(line, node)
		if err != nil {
			log.Printf("%s: skipped a line: %v", path, err)
			continue
		}
		events <- &observerTypes.MonitorEvent{Timestamp: ev.Timestamp.AsTime(), NodeName: node, Payload: ev}
	}
}

func main() {
	name := flag.String("name", "node-1", "node name (flows are stamped with it)")
	listen := flag.String("listen", "127.0.0.1:4244", "address of the Hubble gRPC server")
	eventsPath := flag.String("events", "", "jsonpb lines to serve, followed for appended lines")
	peerList := flag.String("peers", "", "name=address,... announced by a peer service on this node (for hubble-relay --peer-service)")
	buffer := flag.Int("buffer", 4095, "ring buffer capacity (2^n-1)")
	flag.Parse()

	nodeTypes.SetName(*name)
	logger := logrus.New()
	logger.SetLevel(logrus.WarnLevel)
	capacity, err := container.NewCapacity(*buffer)
	if err != nil {
		log.Fatalf("--buffer: %v", err)
	}
	obs, err := observer.NewLocalServer(passThrough{}, observer.NewNamespaceManager(), logger, observeroption.WithMaxFlows(capacity))
	if err != nil {
		log.Fatal(err)
	}
	go obs.Start()

	lis, err := net.Listen("tcp", *listen)
	if err != nil {
		log.Fatal(err)
	}
	withListener := func(o *serveroption.Options) error { o.Listener = lis; return nil }
	opts := []serveroption.Option{withListener, serveroption.WithInsecure(), serveroption.WithHealthService(), serveroption.WithObserverService(obs)}
	if *peerList != "" {
		p := &peers{}
		for _, kv := range strings.Split(*peerList, ",") {
			n, addr, ok := strings.Cut(kv, "=")
			if !ok {
				log.Fatalf("--peers: %q is not name=address", kv)
			}
			p.nodes = append(p.nodes, [2]string{n, addr})
		}
		opts = append(opts, serveroption.WithPeerService(p))
	}
	srv, err := server.NewServer(logger, opts...)
	if err != nil {
		log.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if *eventsPath != "" {
		go func() {
			if err := follow(ctx, *eventsPath, *name, obs.GetEventsChannel()); err != nil {
				log.Fatalf("%s: %v", *eventsPath, err)
			}
		}()
	}
	fmt.Printf("{\"listen\":%q}\n", lis.Addr().String())
	if err := srv.Serve(); err != nil {
		log.Fatal(err)
	}
}
