"""Executors: where the row-wise cleaning steps run (`executor=local` in this process, batch by batch;
`executor=ray` as Ray Data `map_batches` on a local or remote Ray cluster). Both give the same rows."""
