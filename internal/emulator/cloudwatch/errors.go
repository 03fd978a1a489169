package cloudwatch

import "github.com/globaldb/globaldb/internal/emulator/awserr"

// Error codes the model returns (botocore shape names or wire codes; the
// codecs map them to the wire code and HTTP status).
const (
	codeInvalidParameter = "InvalidParameterValue"
	codeCombination      = "InvalidParameterCombination"
	codeMissing          = "MissingParameter"
	codeNotFound         = "ResourceNotFound"          // alarms (SetAlarmState)
	codeResourceNotFound = "ResourceNotFoundException" // tagging
	codeLimitExceeded    = "LimitExceeded"
	codeInvalidFormat    = "InvalidFormat"
	codeInvalidNextToken = "InvalidNextToken"
	// codeValidation is what AWS sends for deleting an alarm composites
	// depend on; the botocore model has no shape for it.
	codeValidation = "ValidationError"
)

func invalidf(format string, args ...any) error {
	return awserr.New(codeInvalidParameter, format, args...)
}

func combinationf(format string, args ...any) error {
	return awserr.New(codeCombination, format, args...)
}

func missingParam(name string) error {
	return awserr.New(codeMissing, "The parameter %s is required.", name)
}
