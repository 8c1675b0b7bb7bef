// Package selectorio reads what "verdict selector" is given: the lines
// of --jsonl input and the key=value label arguments. It is apart from
// the command so that its fuzz targets run in a small test binary.
package selectorio
