package sqlclass

// parser is a cursor over the tokens of one statement. Reading past the
// end yields zero tokens (kind none), which match nothing.
type parser struct {
	toks []token
	i    int
}

// done reports whether every token has been read.
func (p *parser) done() bool { return p.i >= len(p.toks) }

// peek is the token k positions ahead, or a zero token.
func (p *parser) peek(k int) token {
	if p.i+k < len(p.toks) {
		return p.toks[p.i+k]
	}
	return token{}
}

// next reads one token.
func (p *parser) next() token {
	t := p.peek(0)
	if !p.done() {
		p.i++
	}
	return t
}

// word reads the keyword w (lower case) if it comes next.
func (p *parser) word(w string) bool {
	if p.peek(0).isWord(w) {
		p.i++
		return true
	}
	return false
}

// words reads the keywords ws if they all come next, else nothing.
func (p *parser) words(ws ...string) bool {
	for k, w := range ws {
		if !p.peek(k).isWord(w) {
			return false
		}
	}
	p.i += len(ws)
	return true
}

// punct reads the punctuation byte c if it comes next.
func (p *parser) punct(c byte) bool {
	if !p.done() && p.peek(0).isPunct(c) {
		p.i++
		return true
	}
	return false
}

// name reads a name: an unquoted identifier (lower-cased) or a quoted one
// (as written).
func (p *parser) name() (string, bool) {
	if t := p.peek(0); t.kind == word || t.kind == ident {
		p.i++
		return t.val, true
	}
	return "", false
}

// skipParens reads a balanced parenthesised group starting at '('.
func (p *parser) skipParens() {
	depth := 0
	for !p.done() {
		t := p.next()
		switch {
		case t.isPunct('('):
			depth++
		case t.isPunct(')'):
			depth--
			if depth <= 0 {
				return
			}
		}
	}
}

// rest is the text of the unread tokens: from the next token to the end of
// the statement's last (no trailing ';' or comment). text is the text the
// tokens were lexed from; rest is "" when every token has been read.
func (p *parser) rest(text string) string {
	if p.done() {
		return ""
	}
	return text[p.peek(0).pos:p.toks[len(p.toks)-1].end]
}
