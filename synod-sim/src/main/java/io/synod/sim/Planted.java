package io.synod.sim;

import io.synod.node.StorageFault;
import io.synod.node.core.NodeFault;
import io.synod.paxos.Fault;
import io.synod.kv.LeaseKeeper;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * The bugs planted in one run, each a named fault point that production never sets: in the Paxos
 * core ({@link Fault}, through {@code PaxosConfig.withFaults}), in the node's logic
 * ({@link NodeFault}, through {@code NodeCore}'s test-only constructor), in the replica storage
 * ({@link StorageFault}, through {@code ReplicaStorage}'s test-only factories), in the
 * simulator's own host ({@link HostFault}) and in the lease keeper ({@link LeaseKeeper.Fault}). Their names are distinct, so one name picks one bug.
 */
public record Planted(
    Set<Fault> paxos, Set<NodeFault> node, Set<StorageFault> storage, Set<HostFault> host, Set<LeaseKeeper.Fault> lease) {
  public static final Planted NONE = new Planted(Set.of(), Set.of(), Set.of(), Set.of(), Set.of());

  public Planted {
    paxos = Set.copyOf(paxos);
    node = Set.copyOf(node);
    storage = Set.copyOf(storage);
    host = Set.copyOf(host);
    lease = Set.copyOf(lease);
  }

  /** The bugs named {@code names}. */
  public static Planted of(String... names) {
    Planted planted = NONE;
    for (String name : names) {
      planted = planted.with(name);
    }
    return planted;
  }

  /** These bugs and the one named {@code name}; IllegalArgumentException if no bug has that name. */
  public Planted with(String name) {
    for (Fault f : Fault.values()) {
      if (f.name().equals(name)) {
        return new Planted(plus(paxos, f, Fault.class), node, storage, host, lease);
      }
    }
    for (NodeFault f : NodeFault.values()) {
      if (f.name().equals(name)) {
        return new Planted(paxos, plus(node, f, NodeFault.class), storage, host, lease);
      }
    }
    for (StorageFault f : StorageFault.values()) {
      if (f.name().equals(name)) {
        return new Planted(paxos, node, plus(storage, f, StorageFault.class), host, lease);
      }
    }
    for (HostFault f : HostFault.values()) {
      if (f.name().equals(name)) {
        return new Planted(paxos, node, storage, plus(host, f, HostFault.class), lease);
      }
    }
    for (LeaseKeeper.Fault f : LeaseKeeper.Fault.values()) {
      if (f.name().equals(name)) {
        return new Planted(paxos, node, storage, host, plus(lease, f, LeaseKeeper.Fault.class));
      }
    }
    throw new IllegalArgumentException("no planted bug is named " + name + "; known: " + allNames());
  }

  private static <E extends Enum<E>> Set<E> plus(Set<E> set, E element, Class<E> type) {
    EnumSet<E> out = EnumSet.noneOf(type);
    out.addAll(set);
    out.add(element);
    return out;
  }

  public boolean isEmpty() {
    return paxos.isEmpty() && node.isEmpty() && storage.isEmpty() && host.isEmpty() && lease.isEmpty();
  }

  /** The names of these bugs: the core's, the host's, the storage's, then the node's, each in declaration order. */
  public List<String> names() {
    List<String> out = new ArrayList<>();
    for (Fault f : Fault.values()) {
      if (paxos.contains(f)) {
        out.add(f.name());
      }
    }
    for (HostFault f : HostFault.values()) {
      if (host.contains(f)) {
        out.add(f.name());
      }
    }
    for (StorageFault f : StorageFault.values()) {
      if (storage.contains(f)) {
        out.add(f.name());
      }
    }
    for (NodeFault f : NodeFault.values()) {
      if (node.contains(f)) {
        out.add(f.name());
      }
    }
    for (LeaseKeeper.Fault f : LeaseKeeper.Fault.values()) {
      if (lease.contains(f)) {
        out.add(f.name());
      }
    }
    return out;
  }

  /** Every bug that can be planted, by name. */
  public static List<String> allNames() {
    List<String> out = new ArrayList<>();
    for (Fault f : Fault.values()) {
      out.add(f.name());
    }
    for (HostFault f : HostFault.values()) {
      out.add(f.name());
    }
    for (StorageFault f : StorageFault.values()) {
      out.add(f.name());
    }
    for (NodeFault f : NodeFault.values()) {
      out.add(f.name());
    }
    for (LeaseKeeper.Fault f : LeaseKeeper.Fault.values()) {
      out.add(f.name());
    }
    return out;
  }
}
