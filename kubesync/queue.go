package kubesync

import (
	"sync"
	"time"
)

// event is one notification of an informer, or the marker that the first
// list is all in.
type event struct {
	kind kindInfo
	key  ObjectKey
	doc  []byte // nil: deleted
	// service is the Service an EndpointSlice belongs to.
	service string
	at      time.Time
	compile bool
}

// queue hands events from the informers to the one goroutine that applies
// them, in the order they came. It never blocks a sender: an informer
// that waited on a slow apply would fall behind its watch.
type queue struct {
	mu     sync.Mutex
	items  []event
	wake   chan struct{}
	closed bool
}

func (q *queue) init() {
	if q.wake == nil {
		q.wake = make(chan struct{}, 1)
	}
}

func (q *queue) push(e event) {
	q.mu.Lock()
	q.init()
	if !q.closed {
		q.items = append(q.items, e)
	}
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

func (q *queue) close() {
	q.mu.Lock()
	q.init()
	q.closed = true
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// take returns every queued event, waiting for one; ok is false once the
// queue is closed.
func (q *queue) take() (events []event, ok bool) {
	for {
		q.mu.Lock()
		q.init()
		if q.closed {
			q.mu.Unlock()
			return nil, false
		}
		if len(q.items) > 0 {
			events, q.items = q.items, nil
			q.mu.Unlock()
			return events, true
		}
		wake := q.wake
		q.mu.Unlock()
		<-wake
	}
}
