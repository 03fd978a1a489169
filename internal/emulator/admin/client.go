package admin

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// Client calls the admin API of a running emulator. Its zero value is not
// usable: set Endpoint.
type Client struct {
	// Endpoint is the emulator's base URL, e.g. http://127.0.0.1:4566.
	Endpoint string
	// HTTP sends the requests; nil means http.DefaultClient.
	HTTP *http.Client
	// Creds signs requests with SigV4 (service "globaldb"); nil sends them
	// unsigned, which only a test server accepts.
	Creds aws.CredentialsProvider
	// Region is the credential-scope region; "" means us-east-1.
	Region string
}

// APIError is an error answer from the admin API (or, for a refused
// signature, from the emulator's router).
type APIError struct {
	StatusCode int
	Code       string
	Message    string
}

func (e *APIError) Error() string {
	if e.Code == "" {
		return fmt.Sprintf("admin API: HTTP %d: %s", e.StatusCode, e.Message)
	}
	return e.Code + ": " + e.Message
}

// Add injects f and returns it as recorded, with its ID and Created time.
func (c *Client) Add(ctx context.Context, f Fault) (Fault, error) {
	var out Fault
	err := c.do(ctx, http.MethodPost, FaultsPath, f, &out)
	return out, err
}

// List returns the active faults in ID order.
func (c *Client) List(ctx context.Context) ([]Fault, error) {
	var out ListResponse
	err := c.do(ctx, http.MethodGet, FaultsPath, nil, &out)
	return out.Faults, err
}

// Clear reverts the fault with the given ID.
func (c *Client) Clear(ctx context.Context, id string) error {
	return c.do(ctx, http.MethodDelete, FaultsPath+"/"+url.PathEscape(id), nil, &ClearResponse{})
}

// ClearAll reverts every active fault and returns the IDs it cleared.
func (c *Client) ClearAll(ctx context.Context) ([]string, error) {
	var out ClearAllResponse
	err := c.do(ctx, http.MethodDelete, FaultsPath, nil, &out)
	return out.Cleared, err
}

func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	req, err := c.request(ctx, method, path, in)
	if err != nil {
		return err
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return fmt.Errorf("read %s %s response: %w", method, path, err)
	}
	if resp.StatusCode/100 != 2 {
		return decodeError(resp.StatusCode, body)
	}
	if err := json.Unmarshal(body, out); err != nil {
		return fmt.Errorf("decode %s %s response: %w", method, path, err)
	}
	return nil
}

// request builds the request and signs it when c.Creds is set.
func (c *Client) request(ctx context.Context, method, path string, in any) (*http.Request, error) {
	base, err := url.Parse(strings.TrimRight(c.Endpoint, "/"))
	if err != nil || base.Scheme == "" || base.Host == "" {
		return nil, fmt.Errorf("endpoint %q: want a URL such as http://127.0.0.1:4566", c.Endpoint)
	}
	var body []byte
	if in != nil {
		if body, err = json.Marshal(in); err != nil {
			return nil, fmt.Errorf("encode request: %w", err)
		}
	}
	req, err := http.NewRequestWithContext(ctx, method, base.String()+path, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("build request: %w", err)
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	if c.Creds == nil {
		return req, nil
	}
	creds, err := c.Creds.Retrieve(ctx)
	if err != nil {
		return nil, fmt.Errorf("retrieve credentials: %w", err)
	}
	region := c.Region
	if region == "" {
		region = "us-east-1"
	}
	sum := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), SigningService, region, time.Now()); err != nil {
		return nil, fmt.Errorf("sign request: %w", err)
	}
	return req, nil
}

// decodeError reads the admin API's JSON error, else the router's AWS XML
// error (a refused signature), else quotes the body.
func decodeError(status int, body []byte) error {
	var je ErrorResponse
	if json.Unmarshal(body, &je) == nil && je.Error.Code != "" {
		return &APIError{StatusCode: status, Code: je.Error.Code, Message: je.Error.Message}
	}
	var xe struct {
		Code    string `xml:"Error>Code"`
		Message string `xml:"Error>Message"`
	}
	if xml.Unmarshal(body, &xe) == nil && xe.Code != "" {
		return &APIError{StatusCode: status, Code: xe.Code, Message: xe.Message}
	}
	msg := strings.TrimSpace(string(body))
	if len(msg) > 200 {
		msg = msg[:200] + "…"
	}
	if msg == "" {
		msg = http.StatusText(status)
	}
	return &APIError{StatusCode: status, Message: msg}
}
