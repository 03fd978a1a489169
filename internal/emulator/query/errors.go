package query

import (
	"bytes"
	"net/http"

	"github.com/globaldb/globaldb/internal/emulator/xmlbody"

	"github.com/globaldb/globaldb/internal/emulator/awserr"
)

// internalMessage is sent for errors that are not *awserr.Error; their own
// text stays in the log.
const internalMessage = "An internal error occurred"

// WriteError writes the Query-protocol error envelope for err:
//
//	<ErrorResponse xmlns=ns><Error><Type>Sender|Receiver</Type><Code>…</Code>
//	<Message>…</Message></Error><RequestId>…</RequestId></ErrorResponse>
//
// An *awserr.Error gets the wire code and HTTP status from the service
// model (Service.WireError); any other error is logged and sent as
// InternalFailure 500 without its text.
func (c *Codec) WriteError(w http.ResponseWriter, err error, requestID string) {
	body, status := c.EncodeError(err, requestID)
	writeXML(w, status, body, requestID)
}

// EncodeError renders the error envelope for err and returns it with the
// HTTP status to send (see WriteError).
func (c *Codec) EncodeError(err error, requestID string) ([]byte, int) {
	code, message := awserr.InternalFailure, internalMessage
	if e, ok := awserr.As(err); ok {
		code, message = e.Code, e.Message
	} else {
		c.log.Error("query call failed", "request_id", requestID, "err", err)
	}
	wire, status, sender := c.svc.WireError(code)
	kind := "Receiver"
	if sender {
		kind = "Sender"
	}
	var b bytes.Buffer
	b.WriteString("<ErrorResponse")
	xmlbody.WriteNamespace(&b, c.svc.Metadata.XMLNamespace)
	b.WriteString("><Error><Type>")
	b.WriteString(kind)
	b.WriteString("</Type><Code>")
	xmlbody.Escape(&b, wire)
	b.WriteString("</Code><Message>")
	xmlbody.Escape(&b, message)
	b.WriteString("</Message></Error><RequestId>")
	xmlbody.Escape(&b, requestID)
	b.WriteString("</RequestId></ErrorResponse>")
	return b.Bytes(), status
}
