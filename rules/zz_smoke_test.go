package rules

import (
	"fmt"
	"os"
	"testing"
)

func TestSmoke(t *testing.T) {
	for _, f := range []string{"syntax.bad.yaml", "keys.bad.yaml", "values.bad.yaml", "sequence.bad.yaml", "expr.bad.yaml", "macros.bad.yaml", "tests.bad.yaml"} {
		_, err := Load(os.DirFS("testdata"), f)
		fmt.Println(err)
		fmt.Println("----")
	}
}
