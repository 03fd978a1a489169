package dbauth

import (
	"bufio"
	"errors"
	"fmt"
	"io"
)

// The few pieces of BER (X.690) that LDAP simple binds need: definite
// lengths, single-byte tags, INTEGER, ENUMERATED, OCTET STRING, SEQUENCE.

const (
	tagInteger     = 0x02
	tagOctetString = 0x04
	tagEnumerated  = 0x0a
	tagSequence    = 0x30

	// LDAP protocolOp tags (RFC 4511 §4.2 ff.): [APPLICATION n].
	tagBindRequest     = 0x60 // constructed
	tagBindResponse    = 0x61
	tagUnbindRequest   = 0x42 // primitive NULL
	tagAbandonRequest  = 0x50 // primitive INTEGER
	tagExtendedRequest = 0x77
	tagAuthSimple      = 0x80 // [0] OCTET STRING, primitive
	tagAuthSASL        = 0xa3 // [3] SEQUENCE

	// maxMessage bounds one LDAPMessage. PostgreSQL accepts passwords of up
	// to 65535 bytes; an RDS auth token with a session token is a few KiB.
	maxMessage = 128 << 10
)

var errMalformed = errors.New("malformed BER")

// readMessage reads one LDAPMessage envelope (SEQUENCE) from r and returns its
// content.
func readMessage(r *bufio.Reader) ([]byte, error) {
	tag, err := r.ReadByte()
	if err != nil {
		return nil, err
	}
	if tag != tagSequence {
		return nil, fmt.Errorf("%w: message tag 0x%02x", errMalformed, tag)
	}
	first, err := r.ReadByte()
	if err != nil {
		return nil, unexpectedEOF(err)
	}
	n := int(first)
	if first&0x80 != 0 {
		k := int(first & 0x7f)
		if k == 0 || k > 4 {
			return nil, fmt.Errorf("%w: length of length %d", errMalformed, k)
		}
		n = 0
		for range k {
			b, err := r.ReadByte()
			if err != nil {
				return nil, unexpectedEOF(err)
			}
			n = n<<8 | int(b)
		}
	}
	if n > maxMessage {
		return nil, fmt.Errorf("%w: message of %d bytes exceeds %d", errMalformed, n, maxMessage)
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(r, body); err != nil {
		return nil, unexpectedEOF(err)
	}
	return body, nil
}

func unexpectedEOF(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}

// parseTLV splits b into its first element's tag and content and the rest.
func parseTLV(b []byte) (tag byte, content, rest []byte, err error) {
	if len(b) < 2 {
		return 0, nil, nil, fmt.Errorf("%w: truncated element", errMalformed)
	}
	tag = b[0]
	if tag&0x1f == 0x1f {
		return 0, nil, nil, fmt.Errorf("%w: multi-byte tag", errMalformed)
	}
	n, i := int(b[1]), 2
	if b[1]&0x80 != 0 {
		k := int(b[1] & 0x7f)
		if k == 0 || k > 4 || len(b) < 2+k {
			return 0, nil, nil, fmt.Errorf("%w: bad length", errMalformed)
		}
		n = 0
		for _, c := range b[2 : 2+k] {
			n = n<<8 | int(c)
		}
		i += k
	}
	if n < 0 || n > len(b)-i {
		return 0, nil, nil, fmt.Errorf("%w: element of %d bytes overruns %d", errMalformed, n, len(b)-i)
	}
	return tag, b[i : i+n], b[i+n:], nil
}

// parseInt decodes a non-negative INTEGER or ENUMERATED content of at most
// 4 bytes (LDAP's MessageID and version are 0..2^31-1).
func parseInt(content []byte) (int, error) {
	if len(content) == 0 || len(content) > 4 || content[0]&0x80 != 0 {
		return 0, fmt.Errorf("%w: integer", errMalformed)
	}
	n := 0
	for _, c := range content {
		n = n<<8 | int(c)
	}
	return n, nil
}

// appendTLV appends tag, a definite length and content.
func appendTLV(b []byte, tag byte, content []byte) []byte {
	b = append(b, tag)
	switch n := len(content); {
	case n < 0x80:
		b = append(b, byte(n))
	case n <= 0xff:
		b = append(b, 0x81, byte(n))
	case n <= 0xffff:
		b = append(b, 0x82, byte(n>>8), byte(n))
	default:
		b = append(b, 0x84, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	}
	return append(b, content...)
}

// appendInt appends a non-negative INTEGER (or ENUMERATED, by tag) in its
// minimal two's-complement form.
func appendInt(b []byte, tag byte, v int) []byte {
	var c []byte
	for {
		c = append([]byte{byte(v)}, c...)
		v >>= 8
		if v == 0 {
			break
		}
	}
	if c[0]&0x80 != 0 {
		c = append([]byte{0}, c...)
	}
	return appendTLV(b, tag, c)
}

// ldapResult renders LDAPMessage{msgID, [APPLICATION op] LDAPResult{code,
// matchedDN "", diagnosticMessage diag}}.
func ldapResult(msgID int, op byte, code int, diag string) []byte {
	var res []byte
	res = appendInt(res, tagEnumerated, code)
	res = appendTLV(res, tagOctetString, nil)
	res = appendTLV(res, tagOctetString, []byte(diag))
	var msg []byte
	msg = appendInt(msg, tagInteger, msgID)
	msg = appendTLV(msg, op, res)
	return appendTLV(nil, tagSequence, msg)
}
