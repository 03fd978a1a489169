package doctest

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestParseBlocks(t *testing.T) {
	tests := []struct {
		name    string
		text    string
		want    []Block
		wantErr bool
	}{
		{
			name: "sh and bash blocks run, other fences do not",
			text: "# T\n\n```sh\necho a\n```\n\n```\n$ out\n```\n\n```yaml\nk: v\n```\n\n```bash\necho b\necho c\n```\n",
			want: []Block{
				{File: "d.md", Line: 3, Text: "echo a\n"},
				{File: "d.md", Line: 15, Text: "echo b\necho c\n"},
			},
		},
		{
			name: "a skip marker before the fence names the reason",
			text: "<!-- doctest: skip (needs AWS) -->\n\n```sh\naws sts get-caller-identity\n```\n```sh\necho runs\n```\n",
			want: []Block{
				{File: "d.md", Line: 3, Text: "aws sts get-caller-identity\n", Skip: "needs AWS"},
				{File: "d.md", Line: 6, Text: "echo runs\n"},
			},
		},
		{
			name: "a marker applies only to the next block",
			text: "<!-- doctest: skip (x) -->\ntext between\n```sh\necho a\n```\n",
			want: []Block{{File: "d.md", Line: 3, Text: "echo a\n"}},
		},
		{
			name: "a fence inside an output block is not a shell block",
			text: "````\n```sh\nnot run\n```\n````\n",
			want: nil,
		},
		{name: "an unclosed fence is an error", text: "```sh\necho a\n", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseBlocks("d.md", tt.text)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

// TestParseBlocks_Docs keeps the documents the runner reads parseable and
// every skip explained: a skipped block must say why.
func TestParseBlocks_Docs(t *testing.T) {
	for _, doc := range runDocs {
		t.Run(doc, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join(repoRoot(t), doc))
			if err != nil {
				t.Fatal(err)
			}
			blocks, err := ParseBlocks(doc, string(b))
			if err != nil {
				t.Fatal(err)
			}
			run := 0
			for _, bl := range blocks {
				if bl.Skip == "" {
					run++
				}
			}
			if run == 0 {
				t.Errorf("%s: no shell block runs", doc)
			}
		})
	}
}
