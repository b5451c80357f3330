"""The sandbox's seeded random streams, bit for bit: xoroshiro128+ as pure-rand 8 implements it
(32-bit halves), its uniform integer and float draws, and the stream derivation of
src/engine/random.ts (Rng.derive, Rng.fork). A user's noise and filler words depend on these
draws, so an episode replays exactly only if every draw matches."""

MASK32 = 0xFFFFFFFF


def _int32(x):
    x &= MASK32
    return x - 0x100000000 if x & 0x80000000 else x


def _imul(a, b):
    return (a * b) & MASK32


def mix_seed(seed, name):
    """FNV-1a over the seed's two 32-bit halves and the name's UTF-16 code units (random.ts mixSeed)."""
    h = (0x811C9DC5 ^ (seed & MASK32)) & MASK32
    h = _imul(h, 0x01000193)
    h ^= (seed // 0x100000000) & MASK32
    h = _imul(h, 0x01000193)
    units = name.encode("utf-16-le")
    for i in range(0, len(units), 2):
        h ^= units[i] | (units[i + 1] << 8)
        h = _imul(h, 0x01000193)
    return _int32(h)


class Rng:
    """One stream: Rng(seed) as `new Rng(seed)`, Rng.from_state(state) as setState."""

    def __init__(self, seed=0):
        seed = _int32(seed)
        # pure-rand: new XoroShiro128Plus(-1, ~seed, seed | 0, 0), fields (s01, s00, s11, s10).
        self._s = [MASK32, (~seed) & MASK32, seed & MASK32, 0]

    @classmethod
    def from_state(cls, state):
        if len(state) != 4:
            raise ValueError("a random stream state is four 32-bit integers, got %r" % (state,))
        rng = cls(0)
        rng._s = [int(v) & MASK32 for v in state]
        return rng

    @classmethod
    def derive(cls, seed, name):
        return cls(mix_seed(seed, name))

    def get_state(self):
        return [_int32(v) for v in self._s]

    def _next(self):
        s01, s00, s11, s10 = self._s
        out = _int32(s00 + s10)
        a0 = s10 ^ s00
        a1 = s11 ^ s01
        n00 = ((s00 << 24) ^ (s01 >> 8) ^ a0 ^ (a0 << 16)) & MASK32
        n01 = ((s01 << 24) ^ (s00 >> 8) ^ a1 ^ ((a1 << 16) | (a0 >> 16))) & MASK32
        n10 = ((a1 << 5) ^ (a0 >> 27)) & MASK32
        n11 = ((a0 << 5) ^ (a1 >> 27)) & MASK32
        self._s = [n01, n00, n11, n10]
        return out

    def int(self, lo, hi):
        """Uniform integer in [lo, hi] (pure-rand uniformInt, ranges up to 2**32)."""
        size = hi - lo + 1
        if size < 1 or size > 0x100000000:
            raise ValueError("Rng.int: bad range [%d, %d]" % (lo, hi))
        allowed = (0x100000000 // size) * size if size > 2 else 0x100000000
        v = self._next() + 0x80000000
        while v >= allowed:
            v = self._next() + 0x80000000
        return v % size + lo

    def next(self):
        """Uniform float in [0, 1): 53 bits from two draws (pure-rand uniformFloat64)."""
        v1 = self._next() & 0x3FFFFFF
        v2 = self._next() & 0x7FFFFFF
        return v1 * 2.0 ** -26 + v2 * 2.0 ** -53

    def pick(self, items):
        if not items:
            raise ValueError("Rng.pick: empty list")
        return items[self.int(0, len(items) - 1)]

    def shuffle(self, items):
        out = list(items)
        for i in range(len(out) - 1, 0, -1):
            j = self.int(0, i)
            out[i], out[j] = out[j], out[i]
        return out

    def bernoulli(self, p):
        return self.next() < p

    def fork(self, name):
        return Rng.derive(self.int(0, 0x7FFFFFFF), name)
