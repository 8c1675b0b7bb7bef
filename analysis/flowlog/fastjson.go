package flowlog

// fastVerdict reads the common shape of a verdict-format line without
// reflection: one flat object of known keys, string values without
// escapes, whole numbers. It returns false on anything else, and the
// caller then decodes the line with encoding/json, which also words the
// errors; so the fast path never decides that a line is bad.
func fastVerdict(line []byte, v *verdictLine) bool {
	i := skipSpace(line, 0)
	if i >= len(line) || line[i] != '{' {
		return false
	}
	i = skipSpace(line, i+1)
	if i < len(line) && line[i] == '}' {
		return skipSpace(line, i+1) == len(line)
	}
	for {
		if i >= len(line) || line[i] != '"' {
			return false
		}
		key, next, ok := plainString(line, i)
		if !ok {
			return false
		}
		i = skipSpace(line, next)
		if i >= len(line) || line[i] != ':' {
			return false
		}
		i = skipSpace(line, i+1)
		if i >= len(line) {
			return false
		}
		var str []byte
		var num flexUint
		isString := line[i] == '"'
		if isString {
			if str, i, ok = plainString(line, i); !ok {
				return false
			}
		} else {
			j := i
			for j < len(line) && line[j] >= '0' && line[j] <= '9' {
				j++
			}
			if j == i || j-i > 19 || (line[i] == '0' && j-i > 1) {
				return false
			}
			for _, c := range line[i:j] {
				num.v = num.v*10 + uint64(c-'0')
			}
			num.set = true
			str = line[i:j]
			i = j
		}
		if !fastField(v, key, str, num, isString) {
			return false
		}
		i = skipSpace(line, i)
		if i >= len(line) {
			return false
		}
		if line[i] == '}' {
			return skipSpace(line, i+1) == len(line)
		}
		if line[i] != ',' {
			return false
		}
		i = skipSpace(line, i+1)
	}
}

// fastField stores one value; false for a key or a value the fast path
// leaves to encoding/json. Strings stay the line's bytes: the caller
// keeps the line until the record is filled.
func fastField(v *verdictLine, key []byte, str []byte, num flexUint, isString bool) bool {
	switch string(key) {
	case "src", "dst", "action":
		if !isString {
			return false
		}
		switch string(key) {
		case "src":
			v.src = str
		case "dst":
			v.dst = str
		default:
			v.action = str
		}
	case "proto":
		v.proto = str
	case "time":
		v.Time = flexString(str)
	case "sport", "dport", "count", "icmp_type", "icmp_code":
		if isString {
			return false
		}
		switch string(key) {
		case "sport":
			v.Sport = num
		case "dport":
			v.Dport = num
		case "count":
			v.Count = num
		case "icmp_type":
			v.ICMPType = num
		default:
			v.ICMPCode = num
		}
	default:
		return false
	}
	return true
}

// plainString reads the string starting at line[i] (a quote) and returns
// its bytes and the index after it; false when it has an escape, a
// control character or a byte outside ASCII (which encoding/json would
// check as UTF-8), or does not end.
func plainString(line []byte, i int) ([]byte, int, bool) {
	for j := i + 1; j < len(line); j++ {
		switch c := line[j]; {
		case c == '"':
			return line[i+1 : j], j + 1, true
		case c == '\\' || c < 0x20 || c >= 0x80:
			return nil, 0, false
		}
	}
	return nil, 0, false
}

func skipSpace(line []byte, i int) int {
	for i < len(line) && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r' || line[i] == '\n') {
		i++
	}
	return i
}
