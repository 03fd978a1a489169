// Package awserr carries AWS error codes out of the emulated service models.
//
// Models return *Error with the code AWS puts on the wire, or the botocore
// shape name of the error (the wire layer maps shape names such as
// DBInstanceNotFoundFault to their wire code DBInstanceNotFound and HTTP
// status using the service model). Models never pick HTTP statuses; the
// wire layer does, from the service model or from the common-error table
// below.
package awserr

import (
	"errors"
	"fmt"
	"net/http"
)

// Error is an AWS API error as a model reports it.
type Error struct {
	// Code is the botocore error shape name (e.g. "DBClusterNotFoundFault")
	// or a common error code (e.g. "InvalidParameterValue").
	Code    string
	Message string
	// Messages carries the list some errors have instead of one message
	// (Route 53's InvalidChangeBatch).
	Messages []string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// New returns an *Error with a formatted message.
func New(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// As reports whether err is (or wraps) an *Error and returns it.
func As(err error) (*Error, bool) {
	var e *Error
	if errors.As(err, &e) {
		return e, true
	}
	return nil, false
}

// Common error codes shared by the Query-protocol services
// (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/CommonErrors.html).
const (
	InvalidAction               = "InvalidAction"
	MissingParameter            = "MissingParameter"
	InvalidParameterValue       = "InvalidParameterValue"
	InvalidParameterCombination = "InvalidParameterCombination"
	InternalFailure             = "InternalFailure"
	SignatureDoesNotMatch       = "SignatureDoesNotMatch"
	InvalidClientTokenID        = "InvalidClientTokenId"
	IncompleteSignature         = "IncompleteSignature"
	MissingAuthenticationToken  = "MissingAuthenticationToken"
	RequestExpired              = "RequestExpired"
	AccessDenied                = "AccessDenied"
	InvalidQueryParameter       = "InvalidQueryParameter"
	MalformedQueryString        = "MalformedQueryString"
)

var commonStatus = map[string]int{
	InvalidAction:               http.StatusBadRequest,
	MissingParameter:            http.StatusBadRequest,
	InvalidParameterValue:       http.StatusBadRequest,
	InvalidParameterCombination: http.StatusBadRequest,
	InternalFailure:             http.StatusInternalServerError,
	SignatureDoesNotMatch:       http.StatusForbidden,
	InvalidClientTokenID:        http.StatusForbidden,
	IncompleteSignature:         http.StatusBadRequest,
	MissingAuthenticationToken:  http.StatusForbidden,
	RequestExpired:              http.StatusBadRequest,
	AccessDenied:                http.StatusForbidden,
	InvalidQueryParameter:       http.StatusBadRequest,
	MalformedQueryString:        http.StatusNotFound,
}

// CommonStatus returns the HTTP status AWS sends for a common error code,
// and false when the code is not a common one.
func CommonStatus(code string) (int, bool) {
	s, ok := commonStatus[code]
	return s, ok
}
