# Least-privilege Nomad ACL policy for devpod-provider-nomad (machine and native mode), checked against Nomad 1.6.1
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
                  # reads; the event stream's Job, Allocation and Evaluation topics; plan's validate; with
                  # NOMAD_PORTS, the published ports' services (GET /v1/service/:name) and their addresses
    "list-jobs",  # inspect, watch: GET /v1/jobs?prefix=devpod-
    "submit-job", # create, start (register), stop and delete (DELETE /v1/job), plan (PUT /v1/job/:id/plan),
                  # native run/start/stop/delete. NOMAD_PORTS needs nothing more: the job declares the
                  # services and the Nomad client registers them for the allocation
    "alloc-exec", # command and native command (DevPod's agent and SSH run through it): the exec websocket
    # "alloc-node-exec", # only with NOMAD_DRIVER=raw_exec: Nomad treats exec into a task without filesystem
    #                    # isolation as exec on the node. Leave it out unless you run raw_exec workspaces.
    # "csi-mount-volume", # only with NOMAD_VOLUME_TYPE=csi (and the plugin rule below)
    # "csi-write-volume", # only with NOMAD_VOLUME_TYPE=csi and NOMAD_VOLUME_PLUGIN: create makes the workspace's
    #                     # CSI volume (PUT /v1/volume/csi/:id/create), delete removes it
    # "host-volume-create", # only with NOMAD_VOLUME_TYPE=dynamic (Nomad 1.10+): create makes the workspace's volume
    #                       # (PUT /v1/volume/host/create) and reads it until ready (implies host-volume-read)
    # "host-volume-delete", # only with NOMAD_VOLUME_TYPE=dynamic, unless NOMAD_VOLUME_KEEP=true: delete removes the
    #                       # volume. policy = "write" does not include it (Nomad 1.11's code, unlike its docs)
  ]

  # Only with NOMAD_REGISTRY_AUTH=job: create and start keep the registry password in the Nomad Variable
  # nomad/jobs/<workspace job> ("write"), which the workspace's own task reads through a template with its workload
  # identity (no policy needed for that: Nomad lets a task read nomad/jobs/<its job>); delete removes it
  # ("destroy"). Workspace jobs are named devpod-<machine>, so "nomad/jobs/devpod-*" covers them all and nothing else.
  # No "read": the provider never reads the password back.
  # variables {
  #   path "nomad/jobs/devpod-*" {
  #     capabilities = ["write", "destroy"]
  #   }
  # }
}

# native target-architecture: the cpu.arch attribute of the node the devcontainer runs (or would run) on.
node {
  policy = "read"
}

# Only with NOMAD_VOLUME_TYPE=host or dynamic: registering a job that mounts a host volume read-write needs write on
# it ("read" for NOMAD_VOLUME_READ_ONLY=true). Name your volumes, or a glob of them; the volumes that
# NOMAD_VOLUME_TYPE=dynamic creates are named after their workspace's job, devpod-<machine>: "devpod-*" covers them.
# host_volume "devpod-*" {
#   policy = "write"
# }

# Only with NOMAD_VOLUME_TYPE=csi: a job that mounts a CSI volume needs to read its plugin, and so does creating or
# deleting one (NOMAD_VOLUME_PLUGIN).
# plugin {
#   policy = "read"
# }
