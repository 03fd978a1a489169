// Package doctest runs the shell blocks of README.md and docs/runbook.md,
// in order, against an emulator the blocks start themselves, so the docs
// cannot drift from the code (docs_test.go).
package doctest

import (
	"bufio"
	"fmt"
	"regexp"
	"strings"
)

// Block is one fenced ```sh block of a Markdown file.
type Block struct {
	File string // the file's name as reported, e.g. README.md
	Line int    // 1-based line of the opening fence
	Text string // the block's lines, without the fences
	// Skip is the reason given by a `<!-- doctest: skip (reason) -->`
	// marker on the last non-blank line before the fence; empty when the
	// block runs.
	Skip string
}

// String names the block the way a failure reports it.
func (b Block) String() string { return fmt.Sprintf("%s:%d", b.File, b.Line) }

var skipMarker = regexp.MustCompile(`^<!--\s*doctest:\s*skip\s*\((.+)\)\s*-->$`)

// ParseBlocks returns the ```sh (and ```bash) blocks of a Markdown text in
// order. Other fences (plain ``` for output, ```yaml…) are not run. A
// fence left open is an error: the doc is broken.
func ParseBlocks(file, text string) ([]Block, error) {
	var (
		blocks   []Block
		cur      *Block
		body     []string
		fenceLen int
		lastText string // last non-blank line outside a block
		inOther  bool
		n        int
	)
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		n++
		line := sc.Text()
		trimmed := strings.TrimSpace(line)
		switch {
		case cur != nil:
			if isClose(trimmed, fenceLen) {
				cur.Text = strings.Join(body, "\n") + "\n"
				blocks = append(blocks, *cur)
				cur, body = nil, nil
				continue
			}
			body = append(body, line)
		case inOther:
			if isClose(trimmed, fenceLen) {
				inOther = false
			}
		case strings.HasPrefix(trimmed, "```"):
			fenceLen = len(trimmed) - len(strings.TrimLeft(trimmed, "`"))
			lang := strings.TrimSpace(trimmed[fenceLen:])
			if lang == "sh" || lang == "bash" {
				cur = &Block{File: file, Line: n}
				if m := skipMarker.FindStringSubmatch(lastText); m != nil {
					cur.Skip = m[1]
				}
			} else {
				inOther = true
			}
			lastText = ""
		case trimmed != "":
			lastText = trimmed
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", file, err)
	}
	if cur != nil || inOther {
		return nil, fmt.Errorf("parse %s: the fence opened before line %d is never closed", file, n)
	}
	return blocks, nil
}

func isClose(trimmed string, fenceLen int) bool {
	return strings.Trim(trimmed, "`") == "" && len(trimmed) >= fenceLen
}
