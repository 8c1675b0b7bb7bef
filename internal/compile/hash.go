package compile

import (
	"encoding/binary"
	"hash/maphash"
	"net/netip"

	"github.com/verdictlabs/verdict/model"
)

// seed spreads keys over shards. It differs between processes, which only
// changes which shard a key lands in, never an answer.
var seed = maphash.MakeSeed()

// mix64 is a 64-bit finaliser (splitmix64's): cheap, and every input bit
// reaches every output bit, so the low bits used to pick a shard are well
// spread even for sequential ids and addresses.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

func hashString(s string) uint64 { return maphash.String(seed, s) }

func hashUint64(x uint64) uint64 { return mix64(x) }

func hashUint32(x uint32) uint64 { return mix64(uint64(x)) }

// hashAddr ignores the zone: equal addresses must hash equally, and two
// addresses differing only in zone may share a shard.
func hashAddr(a netip.Addr) uint64 {
	b := a.As16()
	hi := binary.LittleEndian.Uint64(b[:8])
	lo := binary.LittleEndian.Uint64(b[8:])
	if a.Is4() {
		hi ^= 0x9e3779b97f4a7c15 // keep 10.0.0.1 and ::ffff:10.0.0.1 apart
	}
	return mix64(hi ^ mix64(lo))
}

func hashKey(k model.Key) uint64 {
	h := hashString(string(k.Kind))
	h = mix64(h ^ hashString(k.Namespace))
	return mix64(h ^ hashString(k.Name))
}
