use super::witness::BlockWitness;
use super::*;
use zkpay_core::vectors::vector_blocks;

fn check(w: &BlockWitness) -> CheckingCs {
    let mut cs = CheckingCs::new();
    BlockCircuit::new(w.clone()).synthesize(&mut cs).expect("synthesis");
    cs
}

#[test]
fn smoke_vector_block_3() {
    let (blocks, _) = vector_blocks();
    let t = std::time::Instant::now();
    let w = BlockWitness::from_block(&blocks[2]).unwrap();
    let cs = check(&w);
    eprintln!("{:?} {} constraints in {:?}", cs.first_failure(), cs.num_constraints(), t.elapsed());
    assert!(cs.is_satisfied());
    assert_eq!(cs.public_inputs(), &[blocks[2].public_input]);
    for n in [1usize, 2, 8, 16] {
        eprintln!("n={n}: {}", BlockCircuit::count_constraints(n));
    }
}

#[test]
fn smoke_vector_blocks_1_2() {
    let (blocks, _) = vector_blocks();
    for b in &blocks[..2] {
        let w = BlockWitness::from_block(b).unwrap();
        let cs = check(&w);
        assert_eq!(cs.first_failure(), None);
        assert_eq!(cs.public_inputs(), &[b.public_input]);
    }
}
