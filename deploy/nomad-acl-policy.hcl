# Least-privilege Nomad ACL policy for devpod-provider-nomad (machine and native mode), checked against Nomad 1.11
# by test/integration/secure-cluster.test.ts, which runs every provider command with a token made from this file.
#
#   nomad acl policy apply -description "DevPod provider" devpod deploy/nomad-acl-policy.hcl
#   nomad acl token create -name "devpod-$USER" -policy devpod -type client
#
# Workspaces in another namespace: change "default" below (and set NOMAD_NAMESPACE). `init` reads the token's
# policies and names any capability the provider options need that is missing here.

namespace "default" {
  capabilities = [
    "read-job",   # status, create/start/stop/delete waits, command, native find: job, allocation and evaluation
                  # reads; the event stream's Job, Allocation and Evaluation topics; plan's validate
    "list-jobs",  # inspect, watch: GET /v1/jobs?prefix=devpod-
    "submit-job", # create, start (register), stop and delete (DELETE /v1/job), plan (PUT /v1/job/:id/plan),
                  # native run/start/stop/delete
    "alloc-exec", # command and native command (DevPod's agent and SSH run through it): the exec websocket
    # "alloc-node-exec", # only with NOMAD_DRIVER=raw_exec: Nomad treats exec into a task without filesystem
    #                    # isolation as exec on the node. Leave it out unless you run raw_exec workspaces.
    # "csi-mount-volume", # only with NOMAD_VOLUME_TYPE=csi (and the plugin rule below)
  ]
}

# native target-architecture: the cpu.arch attribute of the node the devcontainer runs (or would run) on.
node {
  policy = "read"
}

# Only with NOMAD_VOLUME_TYPE=host: registering a job that mounts a host volume read-write needs write on it
# ("read" for NOMAD_VOLUME_READ_ONLY=true). Name your volumes, or a glob of them.
# host_volume "devpod-*" {
#   policy = "write"
# }

# Only with NOMAD_VOLUME_TYPE=csi: a job that mounts a CSI volume needs to read its plugin.
# plugin {
#   policy = "read"
# }
