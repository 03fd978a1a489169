package restxml

import (
	"bytes"
	"net/http"
	"strings"

	"github.com/globaldb/globaldb/internal/emulator/xmlbody"

	"github.com/globaldb/globaldb/internal/emulator/awserr"
)

// internalMessage is sent for errors that are not *awserr.Error; their own
// text stays in the log.
const internalMessage = "An internal error occurred"

// invalidChangeBatch is Route 53's error with its own root element.
const invalidChangeBatch = "InvalidChangeBatch"

// queryCodes are the Query-protocol parameter errors, which REST-XML
// services with an InvalidInput error report as InvalidInput.
var queryCodes = map[string]bool{
	awserr.MissingParameter:            true,
	awserr.InvalidParameterValue:       true,
	awserr.InvalidParameterCombination: true,
	awserr.InvalidQueryParameter:       true,
}

// WriteError writes the error response for err (see EncodeError) with the
// x-amzn-RequestId, Date and Content-Type: text/xml headers.
func (c *Codec) WriteError(w http.ResponseWriter, err error, requestID string) {
	body, status := c.EncodeError(err, requestID)
	writeXML(w, status, body, requestID)
}

// EncodeError renders the error body for err and returns it with the HTTP
// status to send:
//
//	<ErrorResponse xmlns=ns><Error><Type>Sender|Receiver</Type><Code>…</Code>
//	<Message>…</Message></Error><RequestId>…</RequestId></ErrorResponse>
//
// An *awserr.Error gets the wire code and HTTP status from the service
// model (Service.WireError; MissingParameter and InvalidParameterValue
// become InvalidInput when the model has it, UnknownOperationException is
// 404); any other error is logged and sent as InternalFailure 500 without
// its text.
//
// InvalidChangeBatch (400) has its own root element, which the Go SDK
// decodes with a Route 53 customization into types.InvalidChangeBatch:
//
//	<InvalidChangeBatch xmlns=ns><Messages><Message>m1</Message>…</Messages>
//	<Error>…</Error><RequestId>…</RequestId></InvalidChangeBatch>
//
// Messages are awserr.Error.Messages, else its Message. The Error element
// (code InvalidChangeBatch, message "[m1, m2]") is an addition so that
// botocore, which reads only Error/Code from such a body, also sees the
// code; the Go SDK ignores it.
func (c *Codec) EncodeError(err error, requestID string) ([]byte, int) {
	code, message := awserr.InternalFailure, internalMessage
	var messages []string
	if e, ok := awserr.As(err); ok {
		code, message, messages = e.Code, e.Message, e.Messages
	} else {
		c.log.Error("rest-xml call failed", "request_id", requestID, "err", err)
	}
	if queryCodes[code] && c.svc.Shape(InvalidInput) != nil {
		code = InvalidInput
	}
	wire, status, sender := c.svc.WireError(code)
	if code == UnknownOperation {
		status, sender = http.StatusNotFound, true
	}
	kind := "Receiver"
	if sender {
		kind = "Sender"
	}
	var b bytes.Buffer
	root := "ErrorResponse"
	if wire == invalidChangeBatch {
		root = invalidChangeBatch
		if len(messages) == 0 {
			messages = []string{message}
		}
		if message == "" || len(messages) > 1 || messages[0] != message {
			message = "[" + strings.Join(messages, ", ") + "]"
		}
	}
	b.WriteString("<" + root)
	xmlbody.WriteNamespace(&b, c.ns)
	b.WriteString(">")
	if root == invalidChangeBatch {
		b.WriteString("<Messages>")
		for _, m := range messages {
			b.WriteString("<Message>")
			xmlbody.Escape(&b, m)
			b.WriteString("</Message>")
		}
		b.WriteString("</Messages>")
	}
	b.WriteString("<Error><Type>")
	b.WriteString(kind)
	b.WriteString("</Type><Code>")
	xmlbody.Escape(&b, wire)
	b.WriteString("</Code><Message>")
	xmlbody.Escape(&b, message)
	b.WriteString("</Message></Error><RequestId>")
	xmlbody.Escape(&b, requestID)
	b.WriteString("</RequestId></" + root + ">")
	return b.Bytes(), status
}
