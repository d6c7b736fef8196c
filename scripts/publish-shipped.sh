#!/usr/bin/env bash
# publish-shipped.sh <Silo|Gateway> [configuration]: publishes src/<project> as it ships (linux-x64, self-contained,
# composite ReadyToRun: Directory.Build.props) and prints the folder that holds its executable, OrderActors.<project>.
# The published build has its own obj and bin folders under .data/shipped (--artifacts-path): sharing obj/ with the
# solution's build, each restore rewrote the other's project.assets.json and every publish precompiled everything
# again (4 minutes, not 5 s). A few minutes after a change (a commit is one: its id is in the assemblies' version).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
project=${1:?usage: $0 <Silo|Gateway> [configuration]}
configuration=${2:-Release}
dotnet publish "src/$project" -c "$configuration" -r linux-x64 --artifacts-path .data/shipped -nologo -v quiet >&2
echo "$PWD/.data/shipped/publish/OrderActors.$project/${configuration,,}_linux-x64"
