package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/spf13/cobra"

	"github.com/globaldb/globaldb/internal/emulator/admin"
)

// faultFlags are the persistent flags of `globaldb fault`.
type faultFlags struct {
	endpoint string
	output   string
}

func faultCmd() *cobra.Command {
	ff := &faultFlags{}
	cmd := &cobra.Command{
		Use:   "fault",
		Short: "Inject, list and clear faults on a running globaldb emulator",
		Long: `Injects reversible faults into a running globaldb emulator to rehearse regional
outages: a region outage (every DB instance of the region stops, its endpoints refuse,
its API calls fail), a region isolation (the region's WAN links are cut), an instance
failure, or a delayed or cut link between two regions. Faults exist only on the
emulator: point at it with --endpoint-url or AWS_ENDPOINT_URL. Requests are signed
with the default AWS credentials (for the emulator: AWS_ACCESS_KEY_ID=test
AWS_SECRET_ACCESS_KEY=test).`,
		Example: `  globaldb fault region-outage --region ap-southeast-1
  globaldb fault link --from ap-southeast-1 --to ap-southeast-2 --delay 200ms
  globaldb fault list
  globaldb fault clear f-1
  globaldb fault clear`,
	}
	pf := cmd.PersistentFlags()
	pf.StringVar(&ff.endpoint, "endpoint-url", "", "emulator endpoint (default $AWS_ENDPOINT_URL)")
	pf.StringVar(&ff.output, "output", "text", "output format: text or json")
	cmd.AddCommand(
		faultRegionCmd(ff, admin.RegionOutage, "Stop every DB instance of a region; its endpoints refuse and its API calls fail"),
		faultRegionCmd(ff, admin.RegionIsolation, "Cut every WAN link of a region"),
		faultInstanceCmd(ff),
		faultLinkCmd(ff),
		faultListCmd(ff),
		faultClearCmd(ff),
	)
	return cmd
}

func faultRegionCmd(ff *faultFlags, kind admin.Kind, short string) *cobra.Command {
	f := admin.Fault{Kind: kind}
	cmd := &cobra.Command{
		Use:   string(kind) + " --region REGION",
		Short: short,
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return ff.add(cmd, f) },
	}
	cmd.Flags().StringVar(&f.Region, "region", "", "region to fail, e.g. ap-southeast-1")
	_ = cmd.MarkFlagRequired("region")
	return cmd
}

func faultInstanceCmd(ff *faultFlags) *cobra.Command {
	f := admin.Fault{Kind: admin.InstanceFailure}
	cmd := &cobra.Command{
		Use:   string(admin.InstanceFailure) + " --region REGION --instance ID",
		Short: "Stop one DB instance",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return ff.add(cmd, f) },
	}
	cmd.Flags().StringVar(&f.Region, "region", "", "region of the instance")
	cmd.Flags().StringVar(&f.Instance, "instance", "", "DB instance identifier")
	_ = cmd.MarkFlagRequired("region")
	_ = cmd.MarkFlagRequired("instance")
	return cmd
}

func faultLinkCmd(ff *faultFlags) *cobra.Command {
	var (
		f     = admin.Fault{Kind: admin.LinkFault}
		delay time.Duration
	)
	cmd := &cobra.Command{
		Use:   string(admin.LinkFault) + " --from REGION --to REGION (--delay DURATION | --cut)",
		Short: "Delay or cut the WAN link between two regions",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f.Delay = admin.Duration(delay)
			return ff.add(cmd, f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.From, "from", "", "one end of the link")
	fl.StringVar(&f.To, "to", "", "the other end of the link")
	fl.DurationVar(&delay, "delay", 0, "one-way delay to impose, e.g. 200ms")
	fl.BoolVar(&f.Cut, "cut", false, "cut the link instead of delaying it")
	_ = cmd.MarkFlagRequired("from")
	_ = cmd.MarkFlagRequired("to")
	cmd.MarkFlagsOneRequired("delay", "cut")
	cmd.MarkFlagsMutuallyExclusive("delay", "cut")
	return cmd
}

func faultListCmd(ff *faultFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List the active faults",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := ff.client(cmd.Context())
			if err != nil {
				return err
			}
			fs, err := c.List(cmd.Context())
			if err != nil {
				return fmt.Errorf("list faults: %w", err)
			}
			if ff.output == "json" {
				return writeFaultJSON(cmd.OutOrStdout(), admin.ListResponse{Faults: fs})
			}
			return writeFaults(cmd.OutOrStdout(), fs)
		},
	}
}

func faultClearCmd(ff *faultFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "clear [ID]",
		Short: "Clear one fault, or every fault when no ID is given",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := ff.client(cmd.Context())
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if len(args) == 1 {
				if err := c.Clear(cmd.Context(), args[0]); err != nil {
					return err // the API's message names the ID
				}
				if ff.output == "json" {
					return writeFaultJSON(out, admin.ClearResponse{Cleared: args[0]})
				}
				_, err := fmt.Fprintf(out, "cleared %s\n", args[0])
				return err
			}
			ids, err := c.ClearAll(cmd.Context())
			if err != nil {
				return fmt.Errorf("clear faults: %w", err)
			}
			switch {
			case ff.output == "json":
				return writeFaultJSON(out, admin.ClearAllResponse{Cleared: ids})
			case len(ids) == 0:
				_, err = fmt.Fprintln(out, "no active faults")
			default:
				_, err = fmt.Fprintf(out, "cleared %s\n", strings.Join(ids, " "))
			}
			return err
		},
	}
}

// add injects f and reports the created fault.
func (ff *faultFlags) add(cmd *cobra.Command, f admin.Fault) error {
	c, err := ff.client(cmd.Context())
	if err != nil {
		return err
	}
	created, err := c.Add(cmd.Context(), f)
	if err != nil {
		return fmt.Errorf("inject %s: %w", f.Kind, err)
	}
	if ff.output == "json" {
		return writeFaultJSON(cmd.OutOrStdout(), created)
	}
	_, err = fmt.Fprintf(cmd.OutOrStdout(), "injected %s: %s\n", created.ID, created)
	return err
}

// client checks the flags and builds a signing admin client from the
// default AWS configuration.
func (ff *faultFlags) client(ctx context.Context) (*admin.Client, error) {
	if ff.output != "text" && ff.output != "json" {
		return nil, fmt.Errorf("--output %q: want text or json", ff.output)
	}
	endpoint := ff.endpoint
	if endpoint == "" {
		endpoint = os.Getenv("AWS_ENDPOINT_URL")
	}
	if endpoint == "" {
		return nil, errors.New("no emulator endpoint: faults exist only on the globaldb emulator; " +
			"set AWS_ENDPOINT_URL or pass --endpoint-url (e.g. http://127.0.0.1:4566)")
	}
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("load AWS configuration: %w", err)
	}
	if _, err := cfg.Credentials.Retrieve(ctx); err != nil {
		return nil, fmt.Errorf("no AWS credentials (for the emulator: AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test): %w", err)
	}
	region := cfg.Region
	if region == "" {
		region = "us-east-1"
	}
	return &admin.Client{
		Endpoint: endpoint,
		HTTP:     &http.Client{Timeout: 5 * time.Minute}, // an outage stops many postgres servers
		Creds:    cfg.Credentials,
		Region:   region,
	}, nil
}

// writeFaults prints one aligned line per fault, e.g.
// "f-1  region-outage  region=ap-southeast-1  since 12:00:01".
func writeFaults(w io.Writer, fs []admin.Fault) error {
	if len(fs) == 0 {
		_, err := fmt.Fprintln(w, "no active faults")
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, f := range fs {
		fmt.Fprintf(tw, "%s\t%s\t%s\tsince %s\n", f.ID, f.Kind, f.Params(), f.Created.Local().Format(time.TimeOnly))
	}
	return tw.Flush()
}

func writeFaultJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
